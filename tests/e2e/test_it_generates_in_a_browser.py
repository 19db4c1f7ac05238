"""A whole day's work in a real browser: open, generate, watch, enhance, share, review."""

import base64

import pytest
from django.contrib.auth import get_user_model

from generator.models import Membership, Run, Team
from tests.conftest import image_bytes
from tests.e2e.conftest import PASSWORD, generate_from_form, log_in

WATERCOLOR = "1838546335502970881"


@pytest.fixture
def people(transactional_db):
    User = get_user_model()
    owner = User.objects.create_user("owner", password=PASSWORD)
    teammate = User.objects.create_user("teammate", password=PASSWORD)
    User.objects.create_user("staff", password=PASSWORD, is_staff=True, is_superuser=True)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=owner, role="manager")
    Membership.objects.create(team=team, user=teammate)
    return owner


def drop_photo(page, selector: str) -> None:
    """Drag and drop a file onto the drop zone, as a person would from their desktop."""
    data = base64.b64encode(image_bytes(size=(320, 400), color="orange")).decode()
    page.evaluate(
        """([selector, data]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const file = new File([bytes], "me.jpg", {type: "image/jpeg"});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const zone = document.querySelector(selector);
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        [selector, data],
    )


def test_it_takes_a_user_from_a_pasted_link_to_shared_results(stack, people, new_page, sandbox):
    page = new_page()
    log_in(page, stack, "owner")

    page.get_by_label("App id or a1.art link").fill(f"https://a1.art/app/{WATERCOLOR}")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/apps/{WATERCOLOR}/")
    assert page.get_by_role("heading", name="Watercolor portrait").is_visible()

    drop_photo(page, "[data-dropzone]")
    page.wait_for_selector("[data-preview]:not([hidden])")
    assert "me.jpg (320×400)" in page.inner_text("[data-notes]")
    page.get_by_label("Vivid").check()
    page.get_by_label("16:9").check()
    page.get_by_label("2", exact=True).check()
    assert page.inner_text(".cost").strip() == "This run costs 2 points."

    navigations = []
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    assert page.locator(".progress-state").inner_text().startswith(("Running", "Saving"))
    page.wait_for_selector(".result img", timeout=30_000)  # no reload: htmx swapped it in
    assert navigations == [] and "Completed" in page.inner_text(".progress-state")
    assert page.locator(".result img").count() == 2
    assert sandbox.stats()["calls"]["generate"] == 1

    page.locator(".result-actions").first.get_by_role("button", name="Enhance (3 points)").click()
    page.wait_for_selector(".before-after .result img", timeout=30_000)
    assert page.get_by_text("Before").is_visible() and page.get_by_text("After").is_visible()

    page.goto(f"{stack}/history/")
    assert page.locator(".gen-card").count() == 2  # the run and its enhancement
    page.locator(".gen-card").nth(1).locator(".gen-link").click()
    page.get_by_label("Who can see it").select_option("team")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Sharing updated.").wait_for()  # after the post and its redirect
    run = Run.objects.get(kind="generate")
    assert run.visibility == "team"

    teammate = new_page()
    log_in(teammate, stack, "teammate")
    teammate.goto(f"{stack}/team/")
    teammate.locator(".gen-link").first.click()
    teammate.get_by_text("Shared by owner").wait_for()  # once the run's page has loaded

    staff = new_page()
    log_in(staff, stack, "staff")
    staff.goto(f"{stack}/admin/generator/run/?q={run.task_id}")
    assert staff.locator("#result_list tbody tr").count() == 1
    staff.goto(f"{stack}/usage/")
    assert staff.locator("svg.chart rect").count() >= 1


def test_it_submits_the_form_with_javascript_off(stack, people, new_page):
    page = new_page(java_script_enabled=False)
    log_in(page, stack, "owner")
    generate_from_form(page, stack)
    for _ in range(30):  # without JavaScript the person refreshes by hand
        if page.locator(".result img").count():
            break
        page.wait_for_timeout(1000)
        page.get_by_role("link", name="Refresh").click()
    assert page.locator(".result img").count() == 1
    assert "Completed" in page.inner_text(".progress-state")


def test_it_keeps_the_form_usable_by_keyboard_and_explains_errors(stack, people, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    page.get_by_role("button", name="Generate").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    error = page.locator("#id_cnet_17466175263110005-error")
    assert "Choose a photo" in error.inner_text()
    page.wait_for_function("document.activeElement.getAttribute('aria-invalid') === 'true'")
    assert page.evaluate("document.activeElement.name") == "cnet_17466175263110005"
    page.get_by_role("radio", name="Ink").focus()
    page.keyboard.press("ArrowRight")  # radios move with the arrow keys (wrapping)
    assert page.get_by_role("radio", name="Soft").is_checked()
