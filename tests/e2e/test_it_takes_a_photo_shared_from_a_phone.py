"""Photos shared from a phone's gallery to the installed app: the share target's POST
(sent by the test, as the share sheet would send it). One lands in the chosen preset's
run form with the photo in place, and the run completes; three open the app's batch
form with each an item, and the batch completes once started."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import FormData

from generator.models import Batch, Run
from library.models import Preset
from tests.conftest import image_bytes
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


def test_it_takes_a_shared_photo_into_a_preset_and_runs_it(stack, owner, new_page):
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size(PHONE)
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")  # opened before: the chooser offers it
    preset = Preset.objects.create(
        owner=owner,
        app_id=WATERCOLOR,
        name="Red hair",
        version_id="1838546335507165186",
        choices={
            "descriptions": {"1838546335507165192": "red"},
            "style": "183854633550716522",
            "size": "6",
            "generate_num": 1,
        },
    )
    shared = page.request.post(
        f"{stack}/share/",
        multipart={
            "photos": {
                "name": "IMG_0042.png",
                "mimeType": "image/png",
                "buffer": image_bytes("PNG"),
            }
        },
        headers={"Sec-Fetch-Site": "none"},
        max_redirects=0,
    )
    assert shared.status == 302
    page.goto(stack + shared.headers["location"])
    page.get_by_role("button", name="Preset “Red hair”").click()
    page.wait_for_url(f"**/apps/{WATERCOLOR}/?photo=*&preset={preset.pk}")
    assert page.get_by_label("Hair colour").input_value() == "red"
    preview = page.locator("form img").first
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url("**/generations/**")
    page.wait_for_function(
        "() => document.querySelectorAll('.result a[data-viewer] img').length === 1",
        timeout=30_000,
    )
    run = Run.objects.get()
    assert run.state == "completed" and run.inputs.get().original_name == "IMG_0042.png"


def test_it_takes_three_shared_photos_into_a_batch_and_runs_it(stack, owner, new_page, sandbox):
    page = new_page(is_mobile=True, has_touch=True)
    page.set_viewport_size(PHONE)
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")  # opened before: the chooser offers it
    names = [f"IMG_00{n}.png" for n in (41, 42, 43)]
    sheet = FormData()  # what the share sheet posts: three files under one name
    for name in names:
        sheet.append(
            "photos", {"name": name, "mimeType": "image/png", "buffer": image_bytes("PNG")}
        )
    shared = page.request.post(
        f"{stack}/share/", multipart=sheet, headers={"Sec-Fetch-Site": "none"}, max_redirects=0
    )
    assert shared.status == 302
    page.goto(stack + shared.headers["location"])
    page.get_by_role("heading", name="Where do these 3 photos go?").wait_for()
    page.get_by_role("button", name="Watercolor portrait").first.click()
    page.wait_for_url(f"**/apps/{WATERCOLOR}/batch/?photo=*")
    page.get_by_text("3 photos you shared are in place").wait_for()
    thumbnails = page.locator(".shared-photos img")
    assert thumbnails.count() == 3
    for n in range(3):
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbnails.nth(n).element_handle()
        )
    assert sandbox.calls("generate") == 0  # opening the form spends nothing
    page.get_by_role("button", name="Check the items").click()
    page.wait_for_url("**/batches/*/")
    page.get_by_text("3 items ready × 1 points = 3 points").wait_for(timeout=30_000)
    page.get_by_role("button", name="Start the batch (3 points)").click()
    page.get_by_text("3 of 3 finished").wait_for(timeout=60_000)
    batch = Batch.objects.get()
    runs = batch.runs.filter(state="completed")
    assert runs.count() == 3 and sandbox.calls("generate") == 3
    assert sorted(run.inputs.get().original_name for run in runs) == names
