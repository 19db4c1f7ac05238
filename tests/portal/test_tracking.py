"""The worker's view of a generation: polled once per interval, results kept, nothing lost."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from PIL import Image

from generator.models import Generation
from generator.runs import tracking
from tests.conftest import wait_until
from tests.portal.tracking_base import TrackingTestCase, TransactionalTrackingTestCase


class PollTests(TrackingTestCase):
    def test_it_waits_five_seconds_before_the_first_query(self):
        generation = self.start()
        delay = (generation.next_poll_at - generation.submitted_at).total_seconds()
        assert 4.5 <= delay <= 5.5
        assert tracking.generation_poll(generation_id=generation.pk) is None  # not due yet
        assert self.sandbox.calls("task") == 0

    def test_it_queries_once_per_interval_however_many_jobs_ask(self):
        generation = self.start()
        self.make_due(generation)
        first = tracking.generation_poll(generation_id=generation.pk)
        for _ in range(5):  # duplicate jobs, other workers
            assert tracking.generation_poll(generation_id=generation.pk) is None
        assert self.sandbox.calls("task") == 1
        assert first is not None
        generation.refresh_from_db()
        assert generation.state == Generation.State.RUNNING and generation.poll_count == 1

    @pytest.mark.storage
    def test_it_copies_every_result_into_our_storage_with_a_webp_thumbnail(self):
        generation = self.start()
        self.finish_upstream(generation)
        assert self.poll(generation) is None
        assert generation.state == Generation.State.COMPLETED
        assert generation.points_spent == generation.points_quoted == 2
        results = list(generation.results.all())
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
        generation = self.start()
        self.finish_upstream(generation, "failed")
        assert self.poll(generation) is None
        assert generation.state == Generation.State.FAILED
        assert generation.points_spent == 0 and "sandbox failure" in generation.error_message
        assert self.sandbox.stats()["points_spent"]["sandbox"] == 0  # A1 gave them back

    def test_it_keeps_polling_while_a1_reports_states_it_does_not_know(self):
        self.sandbox.knobs(dialect="states", task_seconds=60)
        generation = self.start()
        self.poll(generation)
        assert generation.state == Generation.State.RUNNING and generation.upstream_state == "0"

    def test_it_marks_a_long_task_stalled_polls_slowly_and_resumes_on_request(self):
        self.sandbox.knobs(task_seconds=3600)
        generation = self.start()
        Generation.objects.filter(pk=generation.pk).update(stall_at=timezone.now())
        next_at = self.poll(generation)
        assert generation.state == Generation.State.STALLED
        assert (next_at - timezone.now()) > timedelta(seconds=50)
        tracking.generation_resume(generation=generation)
        generation.refresh_from_db()
        assert generation.state == Generation.State.RUNNING and generation.stall_at > timezone.now()
        self.finish_upstream(generation)
        self.poll(generation)
        assert generation.state == Generation.State.COMPLETED

    def test_it_backs_off_for_everyone_when_rate_limited(self):
        first, second = self.start(), self.start()
        self.sandbox.knobs(throttle_seconds=30)
        next_at = self.poll(first)
        assert first.poll_errors == 1 and first.state == Generation.State.RUNNING
        assert next_at > timezone.now() + timedelta(seconds=3)
        calls = self.sandbox.calls("task")
        self.poll(second)  # shares the backoff: no call at all
        assert self.sandbox.calls("task") == calls
        assert cache.get("a1-backoff-until") is not None

    def test_it_rides_out_server_errors_and_dropped_connections(self):
        generation = self.start()
        self.sandbox.knobs(error_rate=1, faults_on="task")
        next_at = self.poll(generation)
        assert generation.state == Generation.State.RUNNING and generation.poll_errors == 1
        assert next_at > timezone.now()
        self.sandbox.knobs(error_rate=0, drop_rate=1, fault_calls=2)
        self.finish_upstream(generation)
        self.poll(generation)  # two drops, then an answer: the client retries inside
        assert generation.state == Generation.State.COMPLETED and generation.poll_errors == 0

    @pytest.mark.storage
    def test_it_retries_a_failed_copy_and_keeps_the_upstream_link_meanwhile(self):
        generation = self.start()
        self.finish_upstream(generation)
        self.sandbox.knobs(error_rate=1, faults_on="files")
        next_at = self.poll(generation)
        assert generation.state == Generation.State.COPYING and next_at is not None
        result = generation.results.first()
        assert not result.copied and result.upstream_url and "503" in result.last_error
        self.sandbox.knobs(error_rate=0)
        assert self.poll(generation) is None
        assert generation.state == Generation.State.COMPLETED
        assert all(r.copied for r in generation.results.all())

    def test_it_records_links_that_expired_before_the_copy(self):
        generation = self.start()
        self.finish_upstream(generation)
        self.sandbox.knobs(url_lifetime=0)
        assert self.poll(generation) is None
        assert generation.state == Generation.State.COMPLETED
        assert all(r.expired and not r.copied for r in generation.results.all())
        assert self.sandbox.stats()["calls"]["files"] == 2  # one try each, not forever


class SweepTests(TrackingTestCase):
    def test_it_finds_generations_whose_poll_job_was_lost(self):
        generation = self.start()
        assert tracking.generations_due() == []
        Generation.objects.filter(pk=generation.pk).update(
            next_poll_at=timezone.now() - timedelta(minutes=5)
        )
        assert tracking.generations_due() == [str(generation.pk)]

    def test_a_submission_that_died_after_sending_is_unknown_and_never_resent(self):
        generation = self.start()
        Generation.objects.filter(pk=generation.pk).update(
            state=Generation.State.SUBMITTING, claimed_until=timezone.now() - timedelta(seconds=1)
        )
        assert tracking.generations_due() == []
        generation.refresh_from_db()
        assert generation.state == Generation.State.UNKNOWN
        assert "interrupted" in generation.failure
        assert self.sandbox.calls("generate") == 1

    def test_a_submission_that_died_before_sending_is_released_and_can_be_sent_again(self):
        self.login()
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key))
        generation = Generation.objects.get()
        # As if the web process had died between holding the points and sending.
        Generation.objects.filter(pk=generation.pk).update(
            state=Generation.State.SUBMITTING,
            sent_at=None,
            task_id="",
            claimed_until=timezone.now() - timedelta(seconds=1),
        )
        photo = generation.inputs.get()
        tracking.generations_due()
        assert not Generation.objects.exists()  # the hold is released: nothing was spent
        photo.refresh_from_db()
        assert photo.generation is None  # the photo stays kept for the form
        data = self.watercolor_post(key, cnet_17466175263110005=None)
        data["cnet_17466175263110005_staged"] = str(photo.pk)
        assert self.submit(data=data).status_code == 302  # the same key, sent now
        assert Generation.objects.get().state == Generation.State.RUNNING


class CopyInFlightTests(TransactionalTrackingTestCase):
    """What people do while the worker copies results is never written back over."""

    def poll_in_background(self, generation) -> threading.Thread:
        def work():
            try:
                tracking.generation_poll(generation_id=generation.pk)
            finally:
                connections.close_all()

        self.make_due(generation)
        worker = threading.Thread(target=work)
        worker.start()
        return worker

    def test_it_keeps_a_delete_a_favourite_and_an_unshare_made_while_copying(self):
        generation = self.start()
        Generation.objects.filter(pk=generation.pk).update(visibility="team", team=self.team)
        self.finish_upstream(generation)
        self.sandbox.files_gate(open=False)
        worker = self.poll_in_background(generation)
        try:
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            url = f"/generations/{generation.pk}"
            self.client.post(f"{url}/share/", {"visibility": "private", "team": self.team.pk})
            self.client.post(f"{url}/favourite/", {"favourite": "1"})
            self.client.post(f"{url}/delete/")
        finally:
            self.sandbox.files_gate(open=True)
            worker.join(timeout=30)
        generation.refresh_from_db()
        assert generation.state == Generation.State.COMPLETED
        assert all(r.copied for r in generation.results.all())
        assert generation.deleted_at is not None and generation.favourite
        assert generation.visibility == "private"

    def test_it_keeps_a_run_hidden_by_staff_while_copying(self):
        generation = self.start()
        self.finish_upstream(generation)
        self.sandbox.files_gate(open=False)
        worker = self.poll_in_background(generation)
        try:
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            self.login(self.staff)
            self.client.post(
                "/admin/generator/generation/",
                {"action": "hide", "_selected_action": [generation.pk]},
            )
        finally:
            self.sandbox.files_gate(open=True)
            worker.join(timeout=30)
        generation.refresh_from_db()
        assert generation.state == Generation.State.COMPLETED and generation.hidden

    def test_a_second_worker_never_copies_what_the_first_is_copying(self):
        generation = self.start()
        self.finish_upstream(generation)
        self.sandbox.files_gate(open=False)
        worker = self.poll_in_background(generation)
        try:
            assert wait_until(lambda: self.sandbox.stats()["files_waiting"] == 2, timeout=15)
            # However overdue the schedule looks, the lease is held: nothing to claim.
            self.make_due(generation)
            assert tracking.generation_poll(generation_id=generation.pk) is None
            assert tracking.generations_due() == []
        finally:
            self.sandbox.files_gate(open=True)
            worker.join(timeout=30)
        assert self.sandbox.calls("files") == 2  # each image downloaded once
        generation.refresh_from_db()
        assert generation.state == Generation.State.COMPLETED


class ResumeTests(TrackingTestCase):
    def test_check_again_never_breaks_a_poll_in_progress(self):
        self.sandbox.knobs(task_seconds=3600)
        generation = self.start()
        Generation.objects.filter(pk=generation.pk).update(
            state=Generation.State.STALLED, stall_at=timezone.now()
        )
        self.make_due(generation)
        lease = tracking._claim(generation.pk, timezone.now())[1]  # a worker is polling now
        tracking.generation_resume(generation=generation)
        generation.refresh_from_db()
        assert generation.state == Generation.State.RUNNING
        assert generation.claimed_until == lease.until  # the lease still holds
        assert tracking.generation_poll(generation_id=generation.pk) is None  # no second poll
        assert lease.release(next_poll_at=timezone.now())  # the holder finishes normally
