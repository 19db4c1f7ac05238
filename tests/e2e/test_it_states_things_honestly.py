"""In a real browser: pages that say what is true now. The error banner goes once the
fields are put right; a saved preset is in the list at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.conftest import image_bytes
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"


@pytest.fixture
def owner(transactional_db):
    User = get_user_model()
    User.objects.create_user("mika", email="mika@example.com", password=PASSWORD)
    return User.objects.create_user("owner", password=PASSWORD)


def test_the_error_banner_goes_once_the_field_is_put_right(live_server, owner, new_page):
    page = new_page()
    log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/accounts/profile/")
    page.get_by_label("Email address").fill("mika@example.com")
    page.get_by_role("button", name="Save").click()
    banner = page.get_by_text("Some fields need your attention.")
    expect(banner).to_be_visible()
    expect(page.get_by_text("Another account uses this address.")).to_be_visible()
    page.get_by_label("Email address").fill("owner@example.com")
    expect(banner).to_be_hidden()
    expect(page.get_by_text("Another account uses this address.")).to_be_hidden()
    expect(page.get_by_label("Email address")).not_to_have_attribute("aria-invalid", "true")


def test_the_photo_banner_goes_once_a_photo_is_chosen(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    page.get_by_role("button", name="Generate").click()
    banner = page.locator("[data-fields-summary]")
    expect(banner).to_be_visible()
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}],
    )
    expect(banner).to_be_hidden()


def test_a_saved_preset_is_in_the_list_at_once(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    expect(page.get_by_role("heading", name="Start from a preset")).to_be_hidden()
    page.get_by_text("Save these choices as a preset").click()
    page.get_by_label("Preset name").fill("Soft auburn")
    page.get_by_role("button", name="Save preset").click()
    expect(page.get_by_text("Preset “Soft auburn” saved.")).to_be_visible()
    presets = page.locator("#app-presets")
    expect(presets).to_be_visible()
    expect(presets.get_by_role("link", name="Soft auburn")).to_be_visible()


def test_a_capped_text_says_how_much_room_is_left(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    text = page.get_by_label("Hair colour")
    counter = page.locator("#id_desc_1838546335507165192-counter")
    text.fill("auburn")
    expect(counter).to_be_hidden()  # far from the cap: nothing to say
    text.fill("a" * 850)
    expect(counter).to_have_text("850 of 1000 characters.")
    text.fill("b" * 1200)  # what a paste does: the browser keeps the first 1000
    expect(counter).to_have_text(
        "1000 of 1000 characters: that is the most, anything longer is cut."
    )
    assert "-counter" in (text.get_attribute("aria-describedby") or "")
