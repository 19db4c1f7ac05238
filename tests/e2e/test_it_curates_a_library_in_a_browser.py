"""A team lead's library in a real browser: paste links, tag, find, save a preset, run it."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from generator.models import Membership, Run, Team
from library.models import LibraryEntry, Preset
from tests.e2e.conftest import PASSWORD, log_in
from tests.e2e.test_it_generates_in_a_browser import drop_photo

WATERCOLOR = "1838546335502970881"
POSTER = "1838546335502970882"
MISSING = "1838546335502970999"


@pytest.fixture
def lead(transactional_db):
    User = get_user_model()
    lead = User.objects.create_user("lead", password=PASSWORD)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=lead, role="manager")
    return lead


def test_it_takes_a_lead_from_pasted_links_to_a_run_from_a_preset(stack, lead, new_page, sandbox):
    page = new_page()
    log_in(page, stack, "lead")
    tabs = page.get_by_role("navigation", name="Libraries")
    assert tabs.get_by_role("link", name="Studio").get_attribute("aria-current") == "page"

    page.get_by_label("App ids or a1.art links").fill(
        f"https://a1.art/app/{WATERCOLOR}\nhttps://a1.art/app/{POSTER}\nhttps://a1.art/app/{MISSING}"
    )
    page.get_by_role("button", name="Add to library").click()
    refused = page.locator(".lib-refused")
    refused.wait_for()
    assert (
        f"https://a1.art/app/{MISSING} — There is no A1 app with this id." in refused.inner_text()
    )
    assert page.locator(".lib-name").all_inner_texts() == [
        "Poster from words",
        "Watercolor portrait",
    ]
    assert page.get_by_label("App ids or a1.art links").input_value().strip() == (
        f"https://a1.art/app/{MISSING}"
    )
    assert page.get_by_label("App ids or a1.art links").get_attribute("aria-invalid") == "true"

    page.get_by_role("link", name="Edit Watercolor portrait").click()
    page.get_by_label("Tags").fill("avatars, staff")
    page.get_by_label("Note").fill("3:4 for staff avatars")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/apps/?library=*")

    page.get_by_label("Search").fill("avatars")
    page.get_by_label("Search").press("Enter")  # htmx swaps the grid in place
    expect(page.locator(".lib-name")).to_have_count(1)
    assert page.locator(".lib-name").inner_text() == "Watercolor portrait"
    page.wait_for_url("**q=avatars**")  # the search is in the address, to share or go back to
    assert page.locator(".lib-note").inner_text() == "3:4 for staff avatars"

    page.locator(".lib-link").click()
    page.wait_for_url(f"**/apps/{WATERCOLOR}/")
    page.get_by_label("Hair colour").fill("silver")
    page.get_by_label("Vivid").check()
    page.get_by_label("3:4").check()
    page.get_by_label("2", exact=True).check()
    page.get_by_text("Save these choices as a preset").click()
    page.get_by_label("Preset name").fill("Staff avatars")
    page.get_by_label("Who can use it").select_option(label="Studio")
    page.get_by_label("Preset name").press("Enter")  # saves the preset, never Generate
    page.get_by_text("Preset “Staff avatars” saved.").wait_for()
    assert sandbox.calls("generate") == 0
    preset = Preset.objects.get()
    assert preset.team.name == "Studio" and preset.choices["size"] == "2"

    page.goto(f"{stack}/apps/")
    page.get_by_role("link", name="Staff avatars").click()
    page.get_by_text("Filled from the preset “Staff avatars”").wait_for()
    assert page.get_by_label("Hair colour").input_value() == "silver"
    assert page.get_by_label("3:4").is_checked()
    drop_photo(page, "[data-dropzone]")
    page.wait_for_selector("[data-preview]:not([hidden])")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    page.wait_for_selector(".result img", timeout=30_000)
    assert "Completed" in page.inner_text(".progress-state")
    assert page.locator(".result img").count() == 2

    run = Run.objects.get()
    assert run.params["description"][0]["value"] == "silver"
    assert run.params["size"]["label"] == "3:4" and run.params["style"]["name"] == "Vivid"
    assert LibraryEntry.objects.count() == 2 and sandbox.calls("generate") == 1
