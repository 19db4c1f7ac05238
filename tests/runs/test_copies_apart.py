"""A worker's poll job hands a finished run's copy to a copying thread and goes on:
runs that finish together are copied side by side, not one after another behind the
worker's single job loop (generator/runs/copying.py `results_copy_apart`)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from generator.models import Run
from generator.runs import copying, tracking, workers
from tests.base import TransactionalTrackingTestCase
from tests.conftest import wait_until


class CopiesApartTests(TransactionalTrackingTestCase):
    def poll_apart(self, run: Run, polls_again: list) -> object:
        self.make_due(run)
        return tracking.run_poll(run_id=run.pk, copy_apart=polls_again.append)

    def state(self, run: Run) -> str:
        return Run.objects.values_list("state", flat=True).get(pk=run.pk)

    def test_it_goes_on_to_the_next_poll_while_a_run_is_copied(self):
        first, second = self.start(), self.start()
        self.finish_upstream(first)
        self.finish_upstream(second)
        self.sandbox.files_gate(open=False)
        polls_again: list = []
        try:
            # The job returns while the first run's images are still downloading...
            assert self.poll_apart(first, polls_again) is None
            assert self.state(first) == Run.State.COPYING
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            # ...so the next run is polled at once, and both copy side by side.
            assert self.poll_apart(second, polls_again) is None
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 4, timeout=15)
            assert sorted(copying.runs_copying_here()) == sorted([str(first.pk), str(second.pk)])
            # The copy holds the run's lease: no other job starts the same copy.
            self.make_due(first)
            assert tracking.run_poll(run_id=first.pk) is None
        finally:
            self.sandbox.files_gate(open=True)
        assert wait_until(
            lambda: self.state(first) == self.state(second) == Run.State.COMPLETED, timeout=30
        )
        assert wait_until(lambda: copying.runs_copying_here() == [], timeout=10)
        for run in (first, second):
            run.refresh_from_db()
            assert all(r.copied for r in run.results.all())
            assert run.points_spent == run.points_quoted and run.claimed_by == ""
        assert self.sandbox.calls("files") == 4  # each image downloaded once
        assert polls_again == []  # nothing left to poll

    @pytest.mark.storage
    def test_a_copy_that_must_be_tried_again_queues_the_runs_next_poll(self):
        run = self.start()
        self.finish_upstream(run)
        self.sandbox.knobs(error_rate=1, faults_on="files")
        polls_again: list = []
        assert self.poll_apart(run, polls_again) is None
        assert wait_until(lambda: len(polls_again) == 1, timeout=15)
        run.refresh_from_db()
        assert run.state == Run.State.COPYING and run.next_poll_at == polls_again[0]
        assert "503" in run.results.first().last_error
        self.sandbox.knobs(error_rate=0)
        assert self.poll_apart(run, polls_again) is None
        assert wait_until(lambda: self.state(run) == Run.State.COMPLETED, timeout=15)
        assert len(polls_again) == 1

    def test_a_worker_back_from_a_database_outage_leaves_its_copies_to_their_threads(self):
        run = self.start()
        self.finish_upstream(run)
        self.sandbox.files_gate(open=False)
        workers.worker_register(name="w-here:1")
        self.addCleanup(workers.worker_register, name="")
        try:
            assert self.poll_apart(run, []) is None
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            # What ops runworker's recovery asks: the copy under way is not freed...
            copying_now = copying.runs_copying_here()
            assert tracking.runs_release_held(worker="w-here:1", copying=copying_now) == 0
            assert Run.objects.get(pk=run.pk).claimed_by == "w-here:1"
        finally:
            self.sandbox.files_gate(open=True)
        # ...and completes on its thread, downloaded once.
        assert wait_until(lambda: self.state(run) == Run.State.COMPLETED, timeout=30)
        assert self.sandbox.calls("files") == 2

    def test_it_copies_in_place_when_every_copying_thread_is_busy(self):
        first, second = self.start(), self.start()
        self.finish_upstream(first)
        self.finish_upstream(second)
        self.sandbox.files_gate(open=False)
        with override_settings(RESULT_COPY_THREADS=1):
            try:
                assert self.poll_apart(first, []) is None
                assert wait_until(lambda: self.sandbox.stats()["files_waiting"] >= 1, timeout=15)
                # No copy waits in a queue (its lease running out): the job copies itself,
                # so it is still at work while the gate is closed.
                self.make_due(second)
                job = threading.Thread(target=self.poll_in_job, args=(second,))
                job.start()
                assert wait_until(lambda: self.state(second) == Run.State.COPYING, timeout=15)
                assert copying.runs_copying_here() == [str(first.pk)]
                assert job.is_alive()
            finally:
                self.sandbox.files_gate(open=True)
            job.join(timeout=30)
            assert wait_until(
                lambda: self.state(first) == self.state(second) == Run.State.COMPLETED,
                timeout=30,
            )
        assert self.sandbox.calls("files") == 4

    def poll_in_job(self, run: Run) -> None:
        try:
            polls_again: list[datetime] = []
            tracking.run_poll(run_id=run.pk, copy_apart=polls_again.append)
        finally:
            connections.close_all()

    def test_a_copy_whose_lease_went_before_its_thread_started_downloads_nothing(self):
        run = self.start()
        self.finish_upstream(run)
        now = timezone.now()
        Run.objects.filter(pk=run.pk).update(
            state=Run.State.COPYING, claimed_until=now + timedelta(seconds=60)
        )
        polls_again: list = []
        stale = workers.Lease(run.pk, now + timedelta(seconds=1))  # not the lease the row has
        copying._copy_on_thread(run, stale, polls_again.append, "")
        assert self.sandbox.calls("files") == 0 and polls_again == []
        assert self.state(run) == Run.State.COPYING
