"""A batch in a real browser: twelve photos, one bad, dropped; eleven results in one ZIP."""

import io
import zipfile
from pathlib import Path

from generator.models import Batch
from tests.conftest import image_bytes
from tests.e2e.conftest import log_in
from tests.e2e.test_it_generates_in_a_browser import WATERCOLOR, people  # noqa: F401


def test_it_runs_a_batch_of_twelve_photos_with_one_bad(stack, people, new_page, sandbox):  # noqa: F811
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/")
    page.get_by_role("link", name="Run as a batch").click()
    page.wait_for_url(f"**/apps/{WATERCOLOR}/batch/")

    photos = [
        {
            "name": f"staff-{n:02d}.jpg",
            "mimeType": "image/jpeg",
            "buffer": image_bytes(size=(200, 260)),
        }
        for n in range(11)
    ]
    photos.append({"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"})
    page.get_by_label("Your photo").set_input_files(photos)
    assert page.inner_text("[data-batch-count]") == "12 photos chosen."
    page.get_by_label("Vivid").check()
    page.get_by_role("button", name="Check the items").click()

    page.wait_for_url("**/batches/*/")
    page.get_by_text("1 item cannot be used").wait_for(timeout=30_000)
    assert "notes.jpg" in page.inner_text(".batch-bad")
    assert "11 items ready × 1 points = 11 points" in page.inner_text(".batch-quote")
    page.get_by_role("button", name="Drop notes.jpg").click()
    page.get_by_role("button", name="Start the batch (11 points)").click()

    page.get_by_text("11 of 11 finished").wait_for(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all results (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert sorted(archive.namelist()) == [f"staff-{n:02d}-1.jpg" for n in range(11)]
    assert sandbox.calls("generate") == 11
    assert Batch.objects.get().runs.filter(state="completed").count() == 11
