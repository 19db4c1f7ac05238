"""A batch in a real browser tells the truth: the quote restates what is paid for, every
item keeps its line and state while it runs, and the page says finished on the first
poll after the last item ends (no "Running" with a Pause button for 15-30 s)."""

import time

from generator.models import Batch, Run
from tests.conftest import image_bytes, wait_until
from tests.e2e.conftest import log_in
from tests.e2e.test_it_generates_in_a_browser import WATERCOLOR, people  # noqa: F401

POLL_SECONDS = 2  # the batch page's hx-trigger


def test_a_batch_keeps_its_items_and_says_finished_within_one_poll(stack, people, new_page):  # noqa: F811
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/apps/{WATERCOLOR}/batch/")
    photos = [
        {"name": f"desk-{n}.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(200, 260))}
        for n in range(3)
    ]
    page.get_by_label("Your photo").set_input_files(photos)
    page.get_by_label("Vivid").check()
    page.get_by_role("button", name="Check the items").click()
    page.wait_for_url("**/batches/*/")
    quote = page.locator(".batch-quote")
    quote.get_by_text("3 items ready").wait_for(timeout=30_000)
    facts = quote.locator(".quote-facts").inner_text()
    assert "Style" in facts and "Vivid" in facts and "Points per item" in facts

    page.get_by_role("button", name="Start the batch (3 points)").click()
    items = page.get_by_role("list", name="Items").get_by_role("listitem")
    items.first.wait_for()
    assert items.count() == 3  # the list is there from the first look while it runs
    assert [t.split()[0] for t in items.all_inner_texts()] == [f"desk-{n}.jpg" for n in range(3)]

    batch = Batch.objects.get()
    assert wait_until(
        lambda: Run.objects.filter(batch=batch, state="completed").count() == 3, timeout=90
    )
    ended = time.monotonic()
    page.locator(".state-batch-done").wait_for(timeout=(POLL_SECONDS + 2) * 1000)
    assert time.monotonic() - ended <= POLL_SECONDS + 2
    assert page.get_by_role("button", name="Pause").count() == 0
    assert items.count() == 3 and "3 of 3 finished" in page.inner_text("#batch-live")
