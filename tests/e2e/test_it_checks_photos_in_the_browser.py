"""Each check studio.js makes on a chosen photo, in a real browser, before any upload."""

import io
import os
import zipfile

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from tests.conftest import image_bytes
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"
FIELD = "#id_cnet_17466175263110005"


@pytest.fixture
def form_page(live_server, sandbox, settings, transactional_db, new_page):
    """The watercolor app's form, for a logged-in user; no worker is needed here."""
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"
    get_user_model().objects.create_user("owner", password=PASSWORD)
    page = new_page()
    log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/apps/{WATERCOLOR}/")
    page.wait_for_function("document.documentElement.classList.contains('js')")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert errors == []  # no script error on any path


def choose(page, name: str, content: bytes, mime: str = "image/jpeg") -> None:
    page.set_input_files(FIELD, files=[{"name": name, "mimeType": mime, "buffer": content}])


def client_error(page) -> str:
    page.wait_for_selector(f"{FIELD}-client-error")
    return page.inner_text(f"{FIELD}-client-error")


def assert_refused_beside_the_field(page, message: str, sandbox) -> None:
    assert message in client_error(page)
    field = page.locator(FIELD)
    assert field.get_attribute("aria-invalid") == "true"
    assert f"{FIELD[1:]}-client-error" in field.get_attribute("aria-describedby")
    assert page.locator("[data-preview]").is_hidden()
    uploads = sandbox.calls("upload")
    page.get_by_role("button", name="Generate").click()
    # Nothing is sent: focus goes to the field and the chosen file stays in it.
    page.wait_for_function(f"document.activeElement === document.querySelector('{FIELD}')")
    assert page.evaluate(f"document.querySelector('{FIELD}').files.length") == 1
    assert sandbox.calls("upload") == uploads and "/apps/" in page.url


def test_it_refuses_an_empty_file_at_once(form_page, sandbox):
    choose(form_page, "empty.jpg", b"")
    assert_refused_beside_the_field(form_page, "The file is empty.", sandbox)


def test_it_refuses_a_file_over_25_mb_at_once(form_page, sandbox):
    big = b"\xff\xd8\xff" + bytes(25 * 1024 * 1024)
    choose(form_page, "huge.jpg", big)
    assert_refused_beside_the_field(form_page, "larger than 25 MB", sandbox)


def test_it_refuses_a_file_that_is_not_an_image(form_page, sandbox):
    choose(form_page, "notes.jpg", b"just some text, not a photo", "text/plain")
    assert_refused_beside_the_field(form_page, "not an image we can read", sandbox)


def test_it_refuses_an_image_that_cannot_be_decoded(form_page, sandbox):
    choose(form_page, "broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "image/png")
    assert_refused_beside_the_field(form_page, "This image could not be read.", sandbox)


def test_it_describes_a_good_photo_and_clears_an_earlier_error(form_page):
    choose(form_page, "empty.jpg", b"")
    client_error(form_page)
    choose(form_page, "me.jpg", image_bytes(size=(320, 400)))
    form_page.wait_for_selector("[data-preview]:not([hidden])")
    assert form_page.locator(f"{FIELD}-client-error").count() == 0
    assert form_page.locator(FIELD).get_attribute("aria-invalid") is None
    assert form_page.inner_text("[data-notes]") == "me.jpg (320×400)."
    assert form_page.inner_text("[data-chosen]") == "me.jpg"


def test_it_says_other_formats_are_converted(form_page):
    choose(form_page, "me.webp", image_bytes("WEBP", size=(200, 100)), "image/webp")
    form_page.wait_for_selector("[data-preview]:not([hidden])")
    notes = form_page.inner_text("[data-notes]")
    assert notes.startswith("me.webp (200×100).") and "converted to JPEG or PNG" in notes


def test_it_says_a_photo_over_2048_pixels_is_scaled_down(form_page):
    choose(form_page, "wide.png", image_bytes("PNG", size=(3000, 100)), "image/png")
    form_page.wait_for_selector("[data-preview]:not([hidden])")
    assert "larger than 2048×2048 and will be scaled down" in form_page.inner_text("[data-notes]")


def test_it_says_a_photo_over_10_mb_is_compressed(form_page):
    # Noise does not compress: a 1900 x 1900 PNG of it is over 10 MB but within 2048 px.
    buffer = io.BytesIO()
    Image.frombytes("RGB", (1900, 1900), os.urandom(1900 * 1900 * 3)).save(
        buffer, "PNG", compress_level=0
    )
    assert buffer.tell() > 10 * 1024 * 1024
    choose(form_page, "noisy.png", buffer.getvalue(), "image/png")
    form_page.wait_for_selector("[data-preview]:not([hidden])")
    assert "over 10 MB and will be compressed" in form_page.inner_text("[data-notes]")


def test_the_batch_forms_file_fields_speak_the_pages_language(form_page):
    # The browser's own "Choose Files / No file chosen" speak the browser's language: on a
    # Japanese page in an English browser the ZIP and CSV fields read in English.
    base = form_page.url.split("/apps/")[0]
    form_page.context.add_cookies([{"name": "django_language", "value": "ja", "url": base}])
    form_page.goto(f"{base}/apps/{WATERCOLOR}/batch/")
    form_page.wait_for_function("document.documentElement.classList.contains('js')")
    archives = form_page.locator(".file-field").first
    assert archives.locator(".file-button").inner_text() == "ファイルを選ぶ…"
    assert archives.locator("[data-chosen]").inner_text() == "ファイルが選択されていません"
    # The native one is still there for the keyboard, one transparent pixel.
    assert archives.locator("input[type=file]").bounding_box()["width"] <= 1
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("anna.jpg", image_bytes())
    archives.locator("input[type=file]").set_input_files(
        [{"name": "photos.zip", "mimeType": "application/zip", "buffer": buffer.getvalue()}]
    )
    assert archives.locator("[data-chosen]").inner_text() == "photos.zip"
