"""Two web processes and two workers on one database: sessions, exactly-once polls."""

import pytest
from django.contrib.auth import get_user_model

from bench.harness import login
from bench.run import submit
from generator.models import Run
from generator.runs.tracking import poll_run
from tests.conftest import image_bytes, start_web, start_worker, wait_until


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_it_runs_on_two_web_processes_and_two_workers(sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    sandbox.knobs(task_seconds=3)
    get_user_model().objects.create_user("owner", password="pw-for-scale-test-1")
    (web1, url1), (web2, url2) = start_web(sandbox, settings), start_web(sandbox, settings)
    workers = [start_worker(sandbox, settings), start_worker(sandbox, settings)]
    try:
        browser = login(url1, "owner", "pw-for-scale-test-1")
        # The form is fetched and posted on the other web process: the session is shared.
        submit(browser, url2, image_bytes(size=(200, 200)), num=1)
        run = Run.objects.get()
        for _ in range(4):  # stray duplicate jobs must not cause extra polls
            poll_run.enqueue(str(run.pk))

        fragment = f"{url1}/generations/{run.pk}/progress/"
        assert wait_until(
            lambda: (
                "Completed"
                in browser.get(fragment, headers={"HX-Request": "true"}, timeout=10).text
            ),
            timeout=40,
        ), f"stuck in {Run.objects.get().state}"
    finally:
        for process in (web1, web2, *workers):
            process.kill()
            process.wait()
    stats = sandbox.stats()["calls"]
    assert stats["generate"] == 1 and stats["upload"] == 1
    # The task takes 3 s and the first query comes 5 s in: the floor is one query.
    assert stats["task"] <= 1 + 1, stats
    assert Run.objects.get().results.get().copied
