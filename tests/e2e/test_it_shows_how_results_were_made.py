"""Results first, in a browser: a card says how it was made, and the viewer's "Use as
input" opens another app's form with the image in place."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import Run
from tests.conftest import image_bytes
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"
HEADSHOT = "1838546335502970885"


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


def generate(page, base_url: str, *, prompt: str, images: int = 1) -> Run:
    page.goto(f"{base_url}/apps/{WATERCOLOR}/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "beach-day.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}],
    )
    page.get_by_label("Hair colour").fill(prompt)
    if images != 1:
        page.get_by_label(str(images), exact=True).check()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    return Run.objects.order_by("-created")[0]


def test_it_shows_a_cards_prompt_and_input_photo(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    run = generate(page, stack, prompt="a lighthouse at dawn")
    page.goto(f"{stack}/history/")
    card = page.locator(f"#card-{run.id}")
    card.locator(".card-prompt").wait_for()
    assert card.locator(".card-prompt").inner_text() == "a lighthouse at dawn"
    assert card.locator(".card-input-name").inner_text() == "beach-day.png"
    thumb = card.locator(".card-input img")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )


def test_it_uses_a_result_as_input_for_another_app_from_the_viewer(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{HEADSHOT}/")  # opened once: the chooser offers it
    run = generate(page, stack, prompt="a fox")
    page.wait_for_function(
        "() => document.querySelectorAll('.result a[data-viewer] img').length === 1",
        timeout=30_000,
    )
    page.goto(f"{stack}/history/")
    page.locator(f"#card-{run.id} .card-zoom").click()
    viewer = page.get_by_role("dialog", name="Image viewer")
    viewer.wait_for()
    panel = page.get_by_role("complementary", name="How it was made")
    assert "a fox" in panel.inner_text()
    panel.get_by_role("link", name="Use as input").click()
    page.wait_for_url("**/use/")
    page.get_by_role("button", name="Studio headshot").click()
    page.wait_for_url(f"**/apps/{HEADSHOT}/?photo=*")
    # The form holds the photo already: its preview is shown and Generate needs nothing more.
    preview = page.locator("form img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    new = Run.objects.filter(app_id=HEADSHOT).get()
    assert new.inputs.get().given_by == owner
