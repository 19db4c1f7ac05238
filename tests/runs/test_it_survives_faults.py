"""Upstream and local faults: every run ends truthfully, none is lost or sent twice."""

import threading

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from generator.files import queue
from generator.models import Run, WorkerHeartbeat
from generator.runs import removal
from tests.base import TrackingTestCase, photo
from tests.conftest import start_worker, wait_until

FAULTS = {
    "5xx burst on task queries": {"error_rate": 1, "faults_on": "task", "fault_calls": 6},
    "connection resets on task queries": {"drop_rate": 1, "faults_on": "task", "fault_calls": 6},
    "malformed JSON on task queries": {"garbage_rate": 1, "faults_on": "task", "fault_calls": 6},
    "rate limited for a minute": {"throttle_seconds": 60},
    "5xx on result downloads": {"error_rate": 1, "faults_on": "files", "fault_calls": 4},
    "slow answers": {"latency": 0.3},
}


def forget_runs() -> None:
    """Start the next case afresh: the runs go with their files (as removal does)."""
    removal.runs_remove(ids=list(Run.objects.values_list("pk", flat=True)))
    queue.files_remove_all_pending()


class FaultMatrixTests(TrackingTestCase):
    def drive(self, run, steps=12):
        """Worker steps until the run ends (or the steps run out)."""
        for _ in range(steps):
            self.poll(run)
            if run.state in ("completed", "failed"):
                return

    def check_truthful_end(self, run, *, expect="completed"):
        assert run.state == expect
        assert Run.objects.count() == 1
        assert self.sandbox.calls("generate") == 1
        if expect == "completed":
            assert run.points_spent == run.points_quoted
            assert all(r.copied or r.expired for r in run.results.all())

    def test_each_upstream_fault(self):
        for name, knobs in FAULTS.items():
            with self.subTest(fault=name):
                forget_runs()
                self.sandbox.reset()
                run = self.start()
                self.sandbox.finish(run.task_id)
                self.sandbox.knobs(**knobs)
                self.drive(run, steps=4)  # faults in force: nothing may break
                assert run.state in Run.IN_FLIGHT or run.state == "completed"
                self.sandbox.knobs(
                    error_rate=0, drop_rate=0, garbage_rate=0, latency=0, throttle_seconds=0
                )
                cache.clear()  # the shared backoff would otherwise wait out its minute
                self.drive(run)
                self.check_truthful_end(run)

    def test_a_failed_task(self):
        run = self.start()
        self.sandbox.finish(run.task_id, "failed")
        self.drive(run)
        self.check_truthful_end(run, expect="failed")
        assert run.points_spent == 0

    def test_links_that_expire_before_the_copy(self):
        run = self.start()
        self.sandbox.finish(run.task_id)
        self.sandbox.knobs(url_lifetime=0)
        self.drive(run)
        self.check_truthful_end(run)
        assert all(r.expired for r in run.results.all())

    def test_answers_lost_after_generate_was_sent(self):
        for knobs in ({"drop_rate": 1}, {"garbage_rate": 1}, {"error_rate": 1}):
            forget_runs()
            self.sandbox.reset(faults_on="generate", **knobs)
            self.login()
            key = self.form_key(self.form_page())
            self.submit(data=self.watercolor_post(key))
            self.submit(data=self.watercolor_post(key))  # the user tries again
            run = Run.objects.get()
            assert run.state == "unknown"
            assert self.sandbox.calls("generate") == 1


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_it_rides_out_a_locked_database_under_a_live_worker(
    client, django_user_model, sandbox, settings
):
    """The database refuses writes for 4 s; the worker waits it out, no restart."""
    settings.A1_BASE_URL = sandbox.url
    sandbox.knobs(task_seconds=1)
    client.force_login(django_user_model.objects.create_user("owner"))
    page = client.get("/apps/1838546335502970881/").content.decode()
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    client.post(
        "/apps/1838546335502970881/",
        {"idempotency_key": key, "cnet_17466175263110005": photo(), "style": "183854633550716521", "size": "1", "generate_num": "1"},
    )  # fmt: skip
    worker = start_worker(sandbox, settings)
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        other = connections.create_connection("default")
        with other.cursor() as cursor:
            if other.vendor == "sqlite":
                cursor.execute("BEGIN EXCLUSIVE")
            else:
                cursor.execute("BEGIN")
                cursor.execute("LOCK TABLE generator_generation IN ACCESS EXCLUSIVE MODE")
            locked.set()
            release.wait(10)
            cursor.execute("COMMIT")
        other.close()

    holder = threading.Thread(target=hold_lock)
    try:
        # Once the worker is up (its first sweep beats), the run's poll is made due and
        # the database locked: the outage is the scenario, so it lasts a fixed 4 s.
        assert wait_until(lambda: WorkerHeartbeat.objects.exists(), timeout=30)
        Run.objects.update(next_poll_at=timezone.now())
        holder.start()
        assert locked.wait(10)
        release.wait(4)
        release.set()
        holder.join()
        assert wait_until(lambda: Run.objects.get().state == "completed", timeout=40)
        assert worker.poll() is None, "the worker died"
    finally:
        release.set()
        worker.kill()
        worker.wait()
    assert sandbox.calls("generate") == 1
