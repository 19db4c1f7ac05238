"""In a real browser: no lost work, no broken addresses. After "Add to library" the page
reloads (no 405, nothing sent twice); changing the app's language keeps the photo, the
text and the size that were chosen."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from generator.models import AppDefinition, Run
from library.models import LibraryEntry
from tests.conftest import image_bytes, wait_until
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"
MISSING = "1838546335502970999"


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


def test_after_add_to_library_a_reload_shows_the_library(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added 1 app to Personal.")).to_be_visible()
    # A refusal too lands on a page of its own address.
    page.goto(f"{stack}/apps/?library=personal")
    page.get_by_text("Add apps to Personal").click()  # the box folds once the library has apps
    page.get_by_label("App ids or a1.art links").fill(MISSING)
    page.get_by_role("button", name="Add to library").click()
    expect(page.locator(".lib-refused")).to_contain_text("There is no A1 app with this id.")
    assert "/apps/library/add/" not in page.url
    response = page.reload()
    assert response is not None and response.status == 200
    expect(page.locator(".lib-name")).to_have_text(["Watercolor portrait"])
    assert LibraryEntry.objects.count() == 1
    back = page.goto(f"{stack}/apps/library/add/")  # an old bookmark
    assert back is not None and back.status == 200 and page.url.endswith("/apps/")


def test_changing_the_app_language_keeps_the_photo_text_and_size(stack, owner, new_page):
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    # The select offers the languages A1 has, which the worker reads after the first look.
    assert wait_until(
        lambda: AppDefinition.objects.filter(app_id=WATERCOLOR, language="zh_CN").exists()
    )
    page.reload()
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "me.png", "mimeType": "image/png", "buffer": image_bytes("PNG")}],
    )
    page.get_by_label("Hair colour").fill("auburn curls")
    page.get_by_label("16:9", exact=True).check()
    page.get_by_label("App language").select_option("zh_CN")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**language=zh_CN**")
    expect(page.get_by_role("heading", level=1)).to_have_text("水彩肖像")
    expect(page.locator("input[name=desc_1838546335507165192]")).to_have_value("auburn curls")
    expect(page.locator("input[name=size][value='6']")).to_be_checked()
    expect(page.locator("img[data-preview]")).to_be_visible()
    expect(page.get_by_text("Kept: me.png")).to_be_visible()
    assert not Run.objects.exists()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    run = Run.objects.get()
    assert run.inputs.count() == 1 and run.params["size"]["id"] == "6"
