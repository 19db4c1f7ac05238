"""An iPhone's HEIC photo, chosen in a real browser, all the way to saved results."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import Run
from tests.conftest import iphone_heic
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"
HEIC_NOTES = "Converted from HEIF. Rotated to match the camera's orientation."

pytestmark = pytest.mark.storage  # its photo and results go through storage (S3 pass too)


def test_it_generates_from_an_iphone_heic_photo(stack, new_page, sandbox, transactional_db):
    get_user_model().objects.create_user("owner", password=PASSWORD)
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    picker = page.locator("input[type=file]")
    assert ".heic" in picker.get_attribute("accept").split(",")

    picker.set_input_files(
        files=[{"name": "IMG_4021.HEIC", "mimeType": "image/heic", "buffer": iphone_heic()}]
    )
    notes = page.locator("[data-notes]")
    notes.get_by_text("IMG_4021.HEIC.").wait_for()
    assert "cannot preview HEIC" in notes.inner_text()
    assert page.locator("[data-preview]").is_hidden()  # a name, not a broken picture
    assert page.locator("[data-client-error]").count() == 0
    assert picker.evaluate("input => input.validity.valid")

    page.get_by_label("Vivid").check()
    page.get_by_label("16:9").check()
    page.get_by_label("1", exact=True).check()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    assert page.get_by_text(HEIC_NOTES).is_visible()
    page.wait_for_selector(".result img", timeout=30_000)
    page.locator(".thumbs img").scroll_into_view_if_needed()  # it loads lazily
    # The saved photo and result really show (from our files, or signed S3 links).
    page.wait_for_function(
        "() => [...document.querySelectorAll('.result img, .thumbs img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )

    run = Run.objects.get()
    assert run.state == Run.State.COMPLETED
    (photo,) = run.inputs.all()
    assert photo.original_name == "IMG_4021.HEIC"
    assert " ".join(photo.notes) == HEIC_NOTES
    assert (photo.width, photo.height) == (300, 400)  # upright, as the camera was held
    assert sandbox.calls("upload") == 1 and sandbox.calls("generate") == 1
