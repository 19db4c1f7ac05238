"""A photo shared from a phone's gallery to the installed app: the share target's POST
(sent by the test, as the share sheet would send it) lands in the chosen preset's run
form with the photo in place, and the run completes."""

import pytest
from django.contrib.auth import get_user_model

from generator.models import Run
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
