"""Bulk actions in a real browser: tick one card, shift-click a third, get one ZIP of
all three; then favourite and delete them from the bar, and undo the delete."""

import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import expect

from generator.models import Run
from tests.conftest import image_bytes, wait_until
from tests.e2e.conftest import log_in
from tests.e2e.test_it_generates_in_a_browser import WATERCOLOR, people  # noqa: F401


def completed_runs(owner, count: int) -> list[Run]:
    """Runs started through the app form and finished by the real worker, oldest first."""
    client = Client()
    client.force_login(owner)
    for colour in ("orange", "teal", "plum")[:count]:
        html = client.get(f"/apps/{WATERCOLOR}/").content.decode()
        key = html.split('name="idempotency_key" value="')[1].split('"')[0]
        data = {
            "idempotency_key": key,
            "cnet_17466175263110005": _photo(colour),
            "desc_1838546335507165192": colour,
            "style": "183854633550716522",
            "size": "1",
            "generate_num": "1",
        }
        assert client.post(f"/apps/{WATERCOLOR}/", data).status_code == 302
    assert wait_until(lambda: Run.objects.filter(state="completed").count() == count, timeout=60), (
        list(Run.objects.values_list("state", flat=True))
    )
    return list(Run.objects.order_by("created"))


def _photo(colour: str):
    return SimpleUploadedFile(f"{colour}.jpg", image_bytes(size=(240, 300), color=colour))


def test_it_selects_a_range_and_downloads_one_zip(stack, people, new_page):  # noqa: F811
    runs = completed_runs(people, 3)
    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/history/")
    bar = page.locator("[data-bulk-bar]")
    actions = bar.locator("#bulk-form")
    expect(actions).to_be_hidden()  # out of the way until something is ticked

    boxes = page.locator(".gen-card .card-pick")
    expect(boxes).to_have_count(3)
    boxes.nth(0).check()
    expect(actions).to_be_visible()
    expect(bar.locator("[data-bulk-count]")).to_have_text("1 selected")
    boxes.nth(2).click(modifiers=["Shift"])  # the one between comes too
    expect(bar.locator("[data-bulk-count]")).to_have_text("3 selected")
    assert [boxes.nth(n).is_checked() for n in range(3)] == [True, True, True]

    with page.expect_download() as download:
        bar.get_by_role("button", name="Download ZIP").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert sorted(archive.namelist()) == sorted(
        f"watercolor-portrait-{str(g.pk)[:8]}-1.jpg" for g in runs
    )
    for run in runs:
        with run.results.get().file.open("rb") as stored:
            name = f"watercolor-portrait-{str(run.pk)[:8]}-1.jpg"
            assert archive.read(name) == stored.read()

    # The same selection, favourited through htmx: the grid is redrawn, the bar steps aside.
    bar.get_by_role("button", name="Favourite", exact=True).click()
    expect(bar.get_by_text("3 runs added to favourites.")).to_be_visible()
    expect(page.locator(".gen-card .fav.is-fav")).to_have_count(3)
    expect(actions).to_be_hidden()
    assert Run.objects.filter(favourite=True).count() == 3

    # Delete two, then the one Undo brings back exactly those two.
    boxes.nth(0).check()
    boxes.nth(1).check()
    bar.get_by_role("button", name="Delete").click()
    expect(bar.get_by_text("2 runs deleted.")).to_be_visible()
    expect(page.locator(".gen-card")).to_have_count(1)
    expect(bar.get_by_role("button", name="Undo")).to_be_focused()
    bar.get_by_role("button", name="Undo").click()
    expect(bar.get_by_text("2 runs restored.")).to_be_visible()
    expect(page.locator(".gen-card")).to_have_count(3)
    assert not Run.objects.filter(deleted_at__isnull=False).exists()

    # Compare takes two to four ticked cards that carry a result (the viewer link's
    # data-compare), and opens /compare/ with them.
    page.evaluate(
        """() => document.querySelectorAll(".gen-card").forEach((card, n) => {
            if (card.querySelector("[data-compare]")) return;
            const link = document.createElement("a");
            link.dataset.compare = `result-${n}`;
            card.append(link);
        })"""
    )
    compare = bar.get_by_role("button", name="Compare")
    boxes.nth(0).check()
    expect(compare).to_be_hidden()
    boxes.nth(1).check()
    expect(compare).to_be_visible()
    compare.click()
    page.wait_for_url("**/compare/?r=*&r=*")
