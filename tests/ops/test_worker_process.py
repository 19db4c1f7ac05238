"""The real worker process: killed mid-run, restarted, nothing lost, nothing polled twice."""

import itertools
import os
import re
import signal
import socket
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from generator.models import Batch, Run, WorkerHeartbeat
from tests.base import photo
from tests.common.test_database_away import database_refusing
from tests.conftest import start_worker, wait_until


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_it_survives_a_killed_worker_and_lost_jobs(client, django_user_model, sandbox, settings):
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    sandbox.knobs(task_seconds=7)
    client.force_login(django_user_model.objects.create_user("owner"))
    page = client.get("/apps/1838546335502970881/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page).group(1)
    response = client.post(
        "/apps/1838546335502970881/",
        {
            "idempotency_key": key,
            "cnet_17466175263110005": photo(),
            "style": "183854633550716521",
            "size": "1",
            "generate_num": "1",
        },
    )
    assert response.status_code == 302
    run = Run.objects.get()

    workers = [start_worker(sandbox, settings), start_worker(sandbox, settings)]
    try:
        assert wait_until(lambda: sandbox.calls("task") >= 1), "no worker polled"
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        DBTaskResult.objects.all().delete()  # the jobs died with the workers
        polls_before = sandbox.calls("task")

        workers = [start_worker(sandbox, settings)]
        assert wait_until(lambda: Run.objects.get().state == Run.State.COMPLETED, timeout=40), (
            f"stuck in {Run.objects.get().state}"
        )
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()

    run.refresh_from_db()
    result = run.results.get()
    assert result.copied and os.path.exists(result.file.path)
    assert run.points_spent == 1
    # Two workers and duplicate jobs never queried A1 twice in one interval:
    # polls happen at most every 0.5 s over the task's 7 s, plus the resumed ones.
    assert sandbox.calls("task") <= 7 / 0.5 + 4
    assert polls_before >= 1


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_batch_survives_a_killed_worker_without_sending_any_item_twice(
    client, django_user_model, sandbox, settings
):
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    sandbox.knobs(task_seconds=1)
    client.force_login(django_user_model.objects.create_user("owner"))
    response = client.post(
        "/apps/1838546335502970881/batch/",
        {
            "photos_cnet_17466175263110005": [photo(f"p{n}.jpg") for n in range(8)],
            "style": "183854633550716521",
            "size": "1",
            "generate_num": "1",
        },
    )
    assert response.status_code == 302
    batch = Batch.objects.get()
    env = {"BATCH_SEND_RATE": "2"}  # four ticks: the kill lands in the middle
    workers = [start_worker(sandbox, settings, **env), start_worker(sandbox, settings, **env)]
    try:
        assert wait_until(lambda: not batch.items.filter(state="checking").exists(), timeout=30)
        client.post(f"/batches/{batch.pk}/start/")
        assert wait_until(lambda: sandbox.calls("generate") >= 2, timeout=30)
        workers[0].send_signal(signal.SIGKILL)  # mid-batch, perhaps mid-send
        workers[0].wait()
        ended = ("completed", "unknown")
        assert wait_until(
            lambda: (
                batch.runs.filter(state__in=ended).count() == 8
                and not batch.items.exclude(state="sent").exists()
            ),
            timeout=90,
        ), str(list(batch.items.values_list("state", "run__state")))
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()
    # Every item became exactly one run. A run the killed worker had already sent, or was
    # sending, is "unknown" (never sent again); one it had not sent was released and sent
    # by the other worker. So A1 saw each item at most once.
    assert batch.runs.count() == 8
    completed = batch.runs.filter(state="completed").count()
    may_have_gone = batch.runs.filter(sent_at__isnull=False).count()
    assert completed <= sandbox.calls("generate") <= may_have_gone == 8


def run_requested(client, django_user_model) -> None:
    """A person asks for one Watercolor portrait from its page, as a browser does."""
    client.force_login(django_user_model.objects.create_user("owner"))
    page = client.get("/apps/1838546335502970881/").content.decode()
    found = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', page)
    assert found is not None
    client.post(
        "/apps/1838546335502970881/",
        {"idempotency_key": found.group(1), "cnet_17466175263110005": photo(), "style": "183854633550716521", "size": "1", "generate_num": "1"},
    )  # fmt: skip


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_poll_is_taken_over_within_two_poll_intervals(
    client, django_user_model, sandbox, settings
):
    """Two workers; A1 takes 6 s to answer a task query. A live worker's slow poll (three
    poll intervals) is never taken over; once its worker is SIGKILLed mid-poll, the other
    worker polls the run within two poll intervals, not after WORKER_POLL_LEASE (90 s)."""
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    interval = 2.0
    env = {
        "A1_POLL_INTERVAL": str(interval),
        "WORKER_POLL_LEASE": "90",
        "WORKER_RESUME_GRACE": "90",  # the sweep would not resume it before the lease
        "A1_TIMEOUT": "20",  # the slow answer is waited for, not timed out
        "SUBMIT_LEASE": "30",
    }
    sandbox.knobs(task_seconds=600, latency=6, faults_on="task")
    run_requested(client, django_user_model)
    run = Run.objects.get()
    workers = {}
    for _ in range(2):
        worker = start_worker(sandbox, settings, **env)
        workers[f"{socket.gethostname()}:{worker.pid}"] = worker
    try:
        assert wait_until(lambda: WorkerHeartbeat.objects.count() == 2, timeout=30)
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now())

        def holder():
            held = Run.objects.filter(pk=run.pk, claimed_until__gt=timezone.now()).first()
            return held.claimed_by if held else None

        def next_query() -> float:
            """Wait for A1 to be asked once more (one question, not two); when it was."""
            before = sandbox.calls("task")
            assert wait_until(lambda: sandbox.calls("task") > before, timeout=60)
            assert sandbox.calls("task") == before + 1
            return time.monotonic()

        # Live workers' polls outlast two intervals each: nobody else asks A1 meanwhile,
        # so the queries come one at a time, a slow answer (6 s) apart.
        asked = [next_query() for _ in range(3)]
        assert all(b - a >= 5 for a, b in itertools.pairwise(asked)), asked

        # The third query is in its slow call when its worker dies.
        victim = holder()
        assert victim in workers
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait()
        killed_at = time.monotonic()
        sandbox.knobs(latency=0)
        survivor = next(name for name in workers if name != victim)
        taken_over_in = next_query() - killed_at
        assert holder() in (survivor, None)
        # Two intervals for its beat to go stale, then one beat and the job's pick-up.
        assert taken_over_in <= 2 * interval + 3, taken_over_in
        print(f"taken over {taken_over_in:.2f} s after the SIGKILL (interval {interval} s)")

        sandbox.finish(run.task_id)
        assert wait_until(lambda: Run.objects.get().state == Run.State.COMPLETED, timeout=30)
    finally:
        for worker in workers.values():
            worker.kill()
            worker.wait()
    assert sandbox.calls("generate") == 1


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a SQLite file cannot refuse")
def test_a_worker_waits_out_a_database_that_goes_away_and_carries_on(
    client, django_user_model, sandbox, settings
):
    """The database refuses connections and drops the worker's (a restart, a failover):
    the worker does not exit, and once the database is back it finishes a run."""
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    worker = start_worker(sandbox, settings)
    try:
        assert wait_until(lambda: WorkerHeartbeat.objects.count() == 1, timeout=30)
        with database_refusing():
            # Its task loop meets the closed door within an interval (0.2 s); before, the
            # process exited with status 1 here.
            assert not wait_until(lambda: worker.poll() is not None, timeout=5)
        run_requested(client, django_user_model)
        assert wait_until(lambda: Run.objects.get().state == Run.State.COMPLETED, timeout=40)
        assert worker.poll() is None
    finally:
        worker.kill()
        worker.wait()


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a SQLite file cannot refuse")
def test_a_run_whose_poll_chain_the_outage_broke_completes_within_seconds_of_the_return(
    client, django_user_model, sandbox, settings
):
    """A run in flight when the database went away, its poll job lost with the outage:
    once the database is back the worker polls it again at once (runworker
    `recover_once`), not after WORKER_RESUME_GRACE or its lease (60 s and 90 s here)."""
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    sandbox.knobs(task_seconds=600)  # it ends when the test says
    run_requested(client, django_user_model)
    run = Run.objects.get()
    worker = start_worker(sandbox, settings, WORKER_RESUME_GRACE="60", WORKER_POLL_LEASE="90")
    try:
        assert wait_until(lambda: sandbox.calls("task") >= 1, timeout=30), "never polled"
        with database_refusing():
            # The worker's loop meets the closed door and lives through it.
            assert not wait_until(lambda: worker.poll() is not None, timeout=1.5)
            # The poll chain is lost with the outage: its job, and a lease left by the poll
            # the outage broke off, as a worker that lived through it would have left it.
            DBTaskResult.objects.all().delete()
            Run.objects.filter(pk=run.pk).update(
                claimed_by=WorkerHeartbeat.objects.get().worker,
                claimed_until=timezone.now() + timedelta(seconds=90),
            )
            sandbox.finish(run.task_id)
        back = time.monotonic()
        assert wait_until(lambda: Run.objects.get().state == Run.State.COMPLETED, timeout=15)
        took = time.monotonic() - back
        print(f"completed {took:.1f} s after the database came back")
        assert took < 10
        assert worker.poll() is None
    finally:
        worker.kill()
        worker.wait()
