"""The batch form in a real browser while our storage is away: the photos are refused
with a sentence beside the form (never an error page), and the same form goes through
once storage is back. Screenshots at 1280 and 390 px in test-artifacts/screenshots/."""

from generator.models import Batch
from tests.conftest import image_bytes
from tests.e2e.conftest import ARTIFACTS, log_in
from tests.e2e.test_it_generates_in_a_browser import WATERCOLOR, people  # noqa: F401
from tests.runs.test_copies_wait_for_storage import storage_away

SENTENCE = "Our file storage is unavailable right now, so your files were not kept"


def test_it_refuses_a_batch_with_a_sentence_while_storage_is_away(stack, people, new_page):  # noqa: F811
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page = new_page()
        page.set_viewport_size({"width": width, "height": 900})
        log_in(page, stack, "owner")
        page.goto(f"{stack}/apps/{WATERCOLOR}/batch/")
        photos = [
            {"name": f"team-{n}.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}
            for n in range(2)
        ]
        page.get_by_label("Your photo").set_input_files(photos)
        page.get_by_label("Vivid").check()
        with storage_away():
            page.get_by_role("button", name="Check the items").click()
            page.get_by_text(SENTENCE).wait_for()
        assert "/batches/" not in page.url  # still the form, with what was chosen
        page.get_by_text(SENTENCE).scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"batch-storage-away-{width}.png"), full_page=False)
        assert not Batch.objects.exclude(uploads={}).exists()
    page.get_by_label("Your photo").set_input_files(photos)
    page.get_by_role("button", name="Check the items").click()
    page.wait_for_url("**/batches/*/")  # storage is back: the same form goes through
