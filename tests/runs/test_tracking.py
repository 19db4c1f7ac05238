"""The worker's view of a run: polled once per interval, results kept, nothing lost."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from PIL import Image

from generator.models import Run
from generator.runs import tracking
from tests.base import TrackingTestCase, TransactionalTrackingTestCase
from tests.conftest import wait_until


class PollTests(TrackingTestCase):
    def test_it_waits_five_seconds_before_the_first_query(self):
        run = self.start()
        delay = (run.next_poll_at - run.submitted_at).total_seconds()
        assert 4.5 <= delay <= 5.5
        assert tracking.run_poll(run_id=run.pk) is None  # not due yet
        assert self.sandbox.calls("task") == 0

    def test_it_queries_once_per_interval_however_many_jobs_ask(self):
        run = self.start()
        self.make_due(run)
        first = tracking.run_poll(run_id=run.pk)
        for _ in range(5):  # duplicate jobs, other workers
            assert tracking.run_poll(run_id=run.pk) is None
        assert self.sandbox.calls("task") == 1
        assert first is not None
        run.refresh_from_db()
        assert run.state == Run.State.RUNNING and run.poll_count == 1

    @pytest.mark.storage
    def test_it_copies_every_result_into_our_storage_with_a_webp_thumbnail(self):
        run = self.start()
        self.finish_upstream(run)
        assert self.poll(run) is None
        assert run.state == Run.State.COMPLETED
        assert run.points_spent == run.points_quoted == 2
        results = list(run.results.all())
        assert [r.index for r in results] == [0, 1]
        for result in results:
            assert result.copied and result.format == "JPEG" and result.byte_size > 0
            assert (result.width, result.height) == (1024, 576)  # 16:9 as chosen
            with result.thumbnail.open("rb") as fh:
                thumb = Image.open(fh)
                assert thumb.format == "WEBP" and max(thumb.size) <= 320
            assert result.upstream_url.startswith(self.sandbox.url)
        assert self.sandbox.stats()["points_spent"]["sandbox"] == 2

    def test_it_records_a_failure_with_the_reason_and_no_points_spent(self):
        run = self.start()
        self.finish_upstream(run, "failed")
        assert self.poll(run) is None
        assert run.state == Run.State.FAILED
        assert run.points_spent == 0 and "sandbox failure" in run.error_message
        assert self.sandbox.stats()["points_spent"]["sandbox"] == 0  # A1 gave them back

    def test_it_keeps_polling_while_a1_reports_states_it_does_not_know(self):
        self.sandbox.knobs(dialect="states", task_seconds=60)
        run = self.start()
        self.poll(run)
        assert run.state == Run.State.RUNNING and run.upstream_state == "0"

    def test_it_marks_a_long_task_stalled_polls_slowly_and_resumes_on_request(self):
        self.sandbox.knobs(task_seconds=3600)
        run = self.start()
        Run.objects.filter(pk=run.pk).update(stall_at=timezone.now())
        next_at = self.poll(run)
        assert run.state == Run.State.STALLED
        assert (next_at - timezone.now()) > timedelta(seconds=50)
        tracking.run_resume(run=run)
        run.refresh_from_db()
        assert run.state == Run.State.RUNNING and run.stall_at > timezone.now()
        self.finish_upstream(run)
        self.poll(run)
        assert run.state == Run.State.COMPLETED

    def test_it_backs_off_for_everyone_when_rate_limited(self):
        first, second = self.start(), self.start()
        self.sandbox.knobs(throttle_seconds=30)
        next_at = self.poll(first)
        assert first.poll_errors == 1 and first.state == Run.State.RUNNING
        assert next_at > timezone.now() + timedelta(seconds=3)
        calls = self.sandbox.calls("task")
        self.poll(second)  # shares the backoff: no call at all
        assert self.sandbox.calls("task") == calls
        assert cache.get("a1-backoff-until") is not None

    def test_it_rides_out_server_errors_and_dropped_connections(self):
        run = self.start()
        self.sandbox.knobs(error_rate=1, faults_on="task")
        next_at = self.poll(run)
        assert run.state == Run.State.RUNNING and run.poll_errors == 1
        assert next_at > timezone.now()
        self.sandbox.knobs(error_rate=0, drop_rate=1, fault_calls=2)
        self.finish_upstream(run)
        self.poll(run)  # two drops, then an answer: the client retries inside
        assert run.state == Run.State.COMPLETED and run.poll_errors == 0

    @pytest.mark.storage
    def test_it_retries_a_failed_copy_and_keeps_the_upstream_link_meanwhile(self):
        run = self.start()
        self.finish_upstream(run)
        self.sandbox.knobs(error_rate=1, faults_on="files")
        next_at = self.poll(run)
        assert run.state == Run.State.COPYING and next_at is not None
        result = run.results.first()
        assert not result.copied and result.upstream_url and "503" in result.last_error
        self.sandbox.knobs(error_rate=0)
        assert self.poll(run) is None
        assert run.state == Run.State.COMPLETED
        assert all(r.copied for r in run.results.all())

    def test_it_records_links_that_expired_before_the_copy(self):
        run = self.start()
        self.finish_upstream(run)
        self.sandbox.knobs(url_lifetime=0)
        assert self.poll(run) is None
        assert run.state == Run.State.COMPLETED
        assert all(r.expired and not r.copied for r in run.results.all())
        assert self.sandbox.stats()["calls"]["files"] == 2  # one try each, not forever


class SweepTests(TrackingTestCase):
    def test_it_finds_runs_whose_poll_job_was_lost(self):
        run = self.start()
        assert tracking.runs_due() == []
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() - timedelta(minutes=5))
        assert tracking.runs_due() == [str(run.pk)]

    def test_a_submission_that_died_after_sending_is_unknown_and_never_resent(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(
            state=Run.State.SUBMITTING, claimed_until=timezone.now() - timedelta(seconds=1)
        )
        assert tracking.runs_due() == []
        run.refresh_from_db()
        assert run.state == Run.State.UNKNOWN
        assert "interrupted" in run.failure
        assert self.sandbox.calls("generate") == 1

    def test_a_submission_that_died_before_sending_is_released_and_can_be_sent_again(self):
        self.login()
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key))
        run = Run.objects.get()
        # As if the web process had died between holding the points and sending.
        Run.objects.filter(pk=run.pk).update(
            state=Run.State.SUBMITTING,
            sent_at=None,
            task_id="",
            claimed_until=timezone.now() - timedelta(seconds=1),
        )
        photo = run.inputs.get()
        tracking.runs_due()
        assert not Run.objects.exists()  # the hold is released: nothing was spent
        photo.refresh_from_db()
        assert photo.run is None  # the photo stays kept for the form
        data = self.watercolor_post(key, cnet_17466175263110005=None)
        data["cnet_17466175263110005_staged"] = str(photo.pk)
        assert self.submit(data=data).status_code == 302  # the same key, sent now
        assert Run.objects.get().state == Run.State.RUNNING


class CopyInFlightTests(TransactionalTrackingTestCase):
    """What people do while the worker copies results is never written back over."""

    def poll_in_background(self, run) -> threading.Thread:
        def work():
            try:
                tracking.run_poll(run_id=run.pk)
            finally:
                connections.close_all()

        self.make_due(run)
        worker = threading.Thread(target=work)
        worker.start()
        return worker

    def test_it_keeps_a_delete_a_favourite_and_an_unshare_made_while_copying(self):
        run = self.start()
        Run.objects.filter(pk=run.pk).update(visibility="team", team=self.team)
        self.finish_upstream(run)
        self.sandbox.files_gate(open=False)
        worker = self.poll_in_background(run)
        try:
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            url = f"/generations/{run.pk}"
            self.client.post(f"{url}/share/", {"visibility": "private", "team": self.team.pk})
            self.client.post(f"{url}/favourite/", {"favourite": "1"})
            self.client.post(f"{url}/delete/")
        finally:
            self.sandbox.files_gate(open=True)
            worker.join(timeout=30)
        run.refresh_from_db()
        assert run.state == Run.State.COMPLETED
        assert all(r.copied for r in run.results.all())
        assert run.deleted_at is not None and run.favourite
        assert run.visibility == "private"

    def test_it_keeps_a_run_hidden_by_staff_while_copying(self):
        run = self.start()
        self.finish_upstream(run)
        self.sandbox.files_gate(open=False)
        worker = self.poll_in_background(run)
        try:
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            self.login(self.staff)
            self.client.post(
                "/admin/generator/run/",
                {"action": "hide", "_selected_action": [run.pk]},
            )
        finally:
            self.sandbox.files_gate(open=True)
            worker.join(timeout=30)
        run.refresh_from_db()
        assert run.state == Run.State.COMPLETED and run.hidden

    def test_a_second_worker_never_copies_what_the_first_is_copying(self):
        run = self.start()
        self.finish_upstream(run)
        self.sandbox.files_gate(open=False)
        worker = self.poll_in_background(run)
        try:
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            # However overdue the schedule looks, the lease is held: nothing to claim.
            self.make_due(run)
            assert tracking.run_poll(run_id=run.pk) is None
            assert tracking.runs_due() == []
        finally:
            self.sandbox.files_gate(open=True)
            worker.join(timeout=30)
        assert self.sandbox.calls("files") == 2  # each image downloaded once
        run.refresh_from_db()
        assert run.state == Run.State.COMPLETED


class ResumeTests(TrackingTestCase):
    def test_check_again_never_breaks_a_poll_in_progress(self):
        self.sandbox.knobs(task_seconds=3600)
        run = self.start()
        Run.objects.filter(pk=run.pk).update(state=Run.State.STALLED, stall_at=timezone.now())
        self.make_due(run)
        lease = tracking._claim(run.pk, timezone.now())[1]  # a worker is polling now
        tracking.run_resume(run=run)
        run.refresh_from_db()
        assert run.state == Run.State.RUNNING
        assert run.claimed_until == lease.until  # the lease still holds
        assert tracking.run_poll(run_id=run.pk) is None  # no second poll
        assert lease.release(next_poll_at=timezone.now())  # the holder finishes normally
