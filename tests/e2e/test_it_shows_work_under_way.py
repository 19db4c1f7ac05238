"""Work under way, in a browser: one place per requested image that fills as each is
saved, on the run page and its gallery card, and the Running page across runs and
batches. The rows are moved by the test, as the worker would move them, so each step
is seen on its own."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from generator.models import AppDefinition, Batch, BatchItem, ResultImage, Run
from tests.conftest import image_bytes
from tests.e2e.conftest import PASSWORD, log_in

WATERCOLOR = "1838546335502970881"


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


@pytest.fixture
def portal(live_server, sandbox, settings):
    """The live portal without a worker: the test moves the rows itself."""
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"
    return live_server.url


def a_run(owner, *, state: str, images: int = 1) -> Run:
    return Run.objects.create(
        user=owner,
        app_id=WATERCOLOR,
        app_name="Watercolor portrait",
        state=state,
        generate_num=images,
        points_quoted=images,
        idempotency_key=uuid.uuid4(),
        params={"description": [{"id": "1", "label": "Hair colour", "value": "a fox"}]},
    )


def save(result: ResultImage) -> None:
    result.file.save(f"{result.pk}.png", ContentFile(image_bytes("PNG")), save=False)
    result.thumbnail.save(f"{result.pk}.webp", ContentFile(image_bytes("WEBP")), save=False)
    result.width = result.height = 64
    result.save()


def test_it_fills_one_place_per_image_as_a_4_image_run_is_saved(portal, owner, new_page):
    run = a_run(owner, state="copying", images=4)
    results = [
        ResultImage.objects.create(run=run, index=n, upstream_url=f"https://a1.example/{n}")
        for n in range(4)
    ]
    page = new_page()
    log_in(page, portal, "owner")
    page.goto(f"{portal}/generations/{run.id}/")
    gallery = new_page()
    log_in(gallery, portal, "owner")
    gallery.goto(f"{portal}/history/")
    assert page.locator(".result-slots li").count() == 4
    assert page.locator(".result-slots li.slot-done").count() == 0
    assert gallery.locator(f"#card-{run.id} .card-slots .slot").count() == 4
    for n, result in enumerate(results, start=1):
        save(result)
        page.wait_for_function(
            "n => document.querySelectorAll('.result-slots li.slot-done img').length === n",
            arg=n,
            timeout=10_000,
        )
        gallery.wait_for_function(
            "([id, n]) => document.querySelectorAll(`#card-${id} .slot-done`).length === n",
            arg=[str(run.id), n],
            timeout=15_000,
        )
    Run.objects.filter(pk=run.pk).update(state="completed", points_spent=4)
    page.wait_for_function(
        "() => document.querySelectorAll('.result a[data-viewer] img').length === 4",
        timeout=10_000,
    )
    assert page.locator(".result-slots").count() == 0


def test_it_lists_a_batch_and_a_single_run_that_are_running(portal, owner, new_page):
    run = a_run(owner, state="running", images=2)
    definition = AppDefinition.objects.create(
        app_id=WATERCOLOR,
        version_id="1",
        language="en_US",
        name="Watercolor portrait",
        definition={},
    )
    batch = Batch.objects.create(
        user=owner,
        definition=definition,
        app_id=WATERCOLOR,
        app_name="Watercolor portrait",
        state=Batch.State.RUNNING,
        points_per_item=1,
    )
    for n in range(5):
        BatchItem.objects.create(batch=batch, index=n, state=BatchItem.State.WAITING)
    page = new_page()
    log_in(page, portal, "owner")
    page.get_by_role("link", name="Running").click()
    page.wait_for_url("**/running/")
    batch_row = page.locator(f'[data-batch="{batch.id}"]')
    assert "5 waiting" in batch_row.inner_text()
    assert "Your turn is next" in batch_row.inner_text()
    run_row = page.locator(f'[data-run="{run.id}"]')
    assert "Watercolor portrait" in run_row.inner_text()
    # Live: an item is sent, the run ends, the batch ends; the page follows, then stops.
    BatchItem.objects.filter(batch=batch, index=0).update(state=BatchItem.State.SENT)
    page.wait_for_function(
        "id => document.querySelector(`[data-batch='${id}']`).textContent.includes('4 waiting')",
        arg=str(batch.id),
        timeout=10_000,
    )
    Run.objects.filter(pk=run.pk).update(state="completed")
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.DONE)
    page.get_by_text("Nothing of yours is waiting or running.").wait_for(timeout=10_000)
    assert page.locator("#running[hx-trigger]").count() == 0
