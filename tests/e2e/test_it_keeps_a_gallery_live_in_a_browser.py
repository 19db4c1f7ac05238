"""History in a real browser: results open large from the cards and step by keyboard,
and a running card turns completed while the page stays open (no reload)."""

from django.test import Client

from generator.models import Run
from tests.conftest import wait_until
from tests.e2e.conftest import log_in
from tests.e2e.test_it_acts_on_many_runs_in_a_browser import _photo, completed_runs
from tests.e2e.test_it_generates_in_a_browser import WATERCOLOR, people  # noqa: F401
from tests.e2e.test_it_views_results_in_a_browser import SHOWN


def start_held_run(owner) -> Run:
    """A run the sandbox keeps going until the test finishes it."""
    client = Client()
    client.force_login(owner)
    html = client.get(f"/apps/{WATERCOLOR}/").content.decode()
    key = html.split('name="idempotency_key" value="')[1].split('"')[0]
    data = {
        "idempotency_key": key,
        "cnet_17466175263110005": _photo("gold"),
        "desc_1838546335507165192": "gold",
        "style": "183854633550716522",
        "size": "1",
        "generate_num": "1",
    }
    assert client.post(f"/apps/{WATERCOLOR}/", data).status_code == 302
    run = Run.objects.get(idempotency_key=key)
    assert wait_until(lambda: Run.objects.get(pk=run.pk).task_id, timeout=30)
    return Run.objects.get(pk=run.pk)


def test_it_opens_cards_large_and_turns_a_running_card_completed(
    stack,
    people,  # noqa: F811
    new_page,
    sandbox,
):
    older, newer = completed_runs(people, 2)
    sandbox.knobs(task_seconds=600)  # the next run ends when the test says so
    running = start_held_run(people)

    page = new_page()
    log_in(page, stack, "owner")
    page.goto(f"{stack}/history/")
    card = page.locator(f"#card-{running.pk}")
    assert card.get_attribute("data-state") == "running"
    assert card.locator(".state").inner_text() == "Running"

    # The viewer: the newest finished card first, then the next one by keyboard.
    page.locator(f"#card-{newer.pk} a[data-viewer]").click()
    viewer = page.get_by_role("dialog", name="Image viewer")
    viewer.wait_for()
    first, second = newer.results.get(), older.results.get()
    page.wait_for_function(f"path => ({SHOWN})() === path", arg=f"/media/results/{first.id}")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"path => ({SHOWN})() === path", arg=f"/media/results/{second.id}")
    page.keyboard.press("Escape")
    viewer.wait_for(state="detached")

    # The running card, with the page left as it is.
    page.evaluate("window.e2eSamePage = true")
    sandbox.finish(running.task_id)
    page.wait_for_function(
        "id => document.getElementById('card-' + id).dataset.state === 'completed'",
        arg=str(running.pk),
        timeout=30_000,
    )
    assert card.locator(".state").inner_text() == "Completed"
    assert card.locator("a[data-viewer]").count() == 1  # its result opens large too
    assert page.evaluate("window.e2eSamePage") is True  # no reload happened
    # Nothing moves any more: the poll is gone.
    assert page.locator("#grid-live[hx-trigger]").count() == 0
