"""Starting a batch: the whole quote held at once, items sent at a pace, each once."""

import io
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from generator.batches import pacing as batch_pacing
from generator.models import BalanceAlert, Batch, BatchItem, Budget, Run, WorkerHeartbeat
from generator.money import budgets
from generator.money.ledger import points_held
from generator.runs import holds, starting, tracking, workers
from generator.runs.photo_owners import photos_leaving
from generator.runs.removal import photos_remove
from generator.schedules.models import Chore
from ops.management.commands import runworker
from tests.batches.base import BatchTestCase


class StartTests(BatchTestCase):
    def test_starting_holds_the_whole_quote_against_the_budget(self):
        Budget.objects.create(user=self.owner, monthly_points=10)
        batch = self.prepared(n=4)
        self.client.post(f"{batch.get_absolute_url()}start/")
        assert batch.items.filter(state="waiting").count() == 4
        (mine, _team) = budgets.allowances(user=self.owner)
        assert mine.used == 4 and mine.remaining == 6  # held before anything is sent
        assert self.sandbox.calls("generate") == 0

    def test_a_batch_that_does_not_fit_is_refused_with_the_numbers(self):
        Budget.objects.create(user=self.owner, monthly_points=2)
        batch = self.prepared(n=3)
        html = self.client.get(batch.get_absolute_url()).content.decode()
        assert "Only 2 of the 3 items fit" in html and "Start the 2 items that fit" in html
        response = self.client.post(f"{batch.get_absolute_url()}start/", follow=True)
        assert "This batch costs 3 points (3 × 1)" in response.content.decode()
        assert "you have 2 of your 2 points left" in response.content.decode()
        batch.refresh_from_db()
        assert batch.state == "draft"

    def test_the_part_that_fits_can_be_started(self):
        Budget.objects.create(user=self.owner, monthly_points=2)
        batch = self.prepared(n=3)
        self.client.post(f"{batch.get_absolute_url()}start/", {"fit": "1"})
        assert sorted(batch.items.values_list("state", flat=True)) == [
            "cancelled",
            "waiting",
            "waiting",
        ]

    def test_a_second_click_on_start_holds_nothing_more(self):
        batch = self.prepared(n=2)
        self.client.post(f"{batch.get_absolute_url()}start/")
        self.client.post(f"{batch.get_absolute_url()}start/")
        assert batch.items.filter(state="waiting").count() == 2


class SendTests(BatchTestCase):
    def started(self, n=3) -> Batch:
        batch = self.prepared(n=n)
        self.client.post(f"{batch.get_absolute_url()}start/")
        return batch

    def test_each_item_becomes_a_normal_run_sent_once_with_its_own_key(self):
        batch = self.started(n=3)
        self.tick(times=3)
        assert self.sandbox.calls("generate") == 3 and self.sandbox.calls("upload") == 3
        for item in batch.items.select_related("run"):
            assert item.state == "sent" and item.run.idempotency_key == item.key
            assert item.run.batch == batch and item.run.state == "running"
        self.tick(times=3)  # nothing left: nothing more is sent
        assert self.sandbox.calls("generate") == 3

    def test_the_pace_is_shared_by_every_pacer(self):
        batch = self.started(n=3)
        with self.settings(BATCH_SEND_RATE=1.0):
            batch_pacing.batches_send_tick()
            assert batch_pacing.batches_send_tick() is None  # another job in the same tick
            assert self.sandbox.calls("generate") == 1
        assert batch.items.filter(state="waiting").count() == 2

    def test_no_more_than_the_in_flight_limit_run_at_once(self):
        batch = self.started(n=3)
        with self.settings(BATCH_MAX_IN_FLIGHT=2, BATCH_SEND_RATE=5.0):
            self.tick(times=3)
        assert self.sandbox.calls("generate") == 2
        assert batch.items.filter(state="waiting").count() == 1

    def test_the_hold_moves_to_the_run_and_is_never_counted_twice(self):
        Budget.objects.create(user=self.owner, monthly_points=3)
        batch = self.started(n=3)  # exactly the budget
        self.tick(times=3)
        assert batch.items.filter(state="sent").count() == 3  # the last one fit, too
        (mine, _team) = budgets.allowances(user=self.owner)
        assert mine.used == 3

    def test_a_rate_limited_send_waits_and_slows_every_batch(self):
        batch = self.started(n=2)
        self.sandbox.knobs(throttle_seconds=30)
        self.tick()
        assert batch.items.filter(state="waiting").count() == 2  # nothing lost
        assert cache.get("a1-backoff-until") is not None
        assert batch_pacing.batches_send_tick() is None  # the slot is pushed back for everyone
        self.sandbox.knobs(throttle_seconds=0)
        cache.clear()
        self.tick(times=2)
        assert batch.items.filter(state="sent").count() == 2
        assert Run.objects.count() == 2

    def test_an_item_whose_outcome_is_unknown_is_never_sent_again(self):
        batch = self.started(n=1)
        self.sandbox.knobs(drop_rate=1, faults_on="generate")
        self.tick()
        item = batch.items.get()
        assert item.state == "sent" and item.run.state == "unknown"
        self.sandbox.knobs(drop_rate=0)
        self.tick(times=2)
        assert self.sandbox.calls("generate") == 1

    def test_an_item_left_sending_by_a_killed_worker_is_sent_at_most_once(self):
        batch = self.started(n=2)
        first, second = batch.items.order_by("index")
        self.tick()  # the first went out...
        first.refresh_from_db()
        assert first.state == "sent"
        # ...then a worker died twice: once after writing the run, once before.
        late = timezone.now() - timedelta(minutes=10)
        BatchItem.objects.filter(pk=first.pk).update(state="sending", claimed_until=late)
        BatchItem.objects.filter(pk=second.pk).update(state="sending", claimed_until=late)
        self.tick(times=2)
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.state == "sent" and second.state == "sent"
        assert self.sandbox.calls("generate") == 2  # the first was not sent again

    def test_an_item_a_dead_worker_left_sending_is_sent_without_waiting_for_its_lease(self):
        batch = self.started(n=1)
        item = batch.items.get()
        WorkerHeartbeat.objects.create(worker="w-dead", seen_at=timezone.now() - timedelta(hours=1))
        soon = timezone.now() + timedelta(minutes=5)  # the lease would hold for minutes
        BatchItem.objects.filter(pk=item.pk).update(
            state="sending", claimed_until=soon, claimed_by="w-dead"
        )
        self.tick()
        item.refresh_from_db()
        assert item.state == "sent" and item.run is not None
        assert self.sandbox.calls("generate") == 1

    def test_a_lost_pacer_chain_is_queued_again_once(self):
        self.started(n=2)
        DBTaskResult.objects.all().delete()  # the chain died with its worker
        slot = {"next_run": timezone.now()}  # it just ticked: nothing is lost yet
        Chore.objects.update_or_create(name=batch_pacing.SLOT, defaults=slot)
        assert not batch_pacing.batches_take_over()
        slot = {"next_run": timezone.now() - timedelta(minutes=1)}  # no tick for a minute
        Chore.objects.update_or_create(name=batch_pacing.SLOT, defaults=slot)
        assert batch_pacing.batches_take_over()
        assert not batch_pacing.batches_take_over()  # one tick queued is enough
        assert (
            DBTaskResult.objects.filter(task_path=batch_pacing.pace_batches.module_path).count()
            == 1
        )

    def test_no_points_left_at_a1_pauses_every_batch_until_staff_clear_it(self):
        batch = self.started(n=2)
        self.sandbox.set_balance(0)
        self.tick()
        batch.refresh_from_db()
        assert batch.state == "paused" and batch.pause == "balance"
        assert batch.items.filter(state="waiting").count() == 2
        html = self.client.get(batch.get_absolute_url()).content.decode()
        assert "the A1 account is out of points" in html
        self.sandbox.set_balance(100)
        self.login(self.staff)
        self.client.post(
            "/admin/generator/balancealert/",
            {"action": "clear", "_selected_action": [BalanceAlert.objects.get().pk]},
        )
        batch.refresh_from_db()
        assert batch.state == "running"
        self.tick(times=2)
        assert batch.items.filter(state="sent").count() == 2

    def test_pause_resume_and_cancel_release_the_points_of_items_not_sent(self):
        batch = self.started(n=3)
        url = batch.get_absolute_url()
        self.client.post(f"{url}pause/")
        self.tick()
        assert self.sandbox.calls("generate") == 0
        self.client.post(f"{url}resume/")
        self.tick()
        self.client.post(f"{url}cancel/")
        assert batch.items.filter(state="cancelled").count() == 2
        (mine, _team) = budgets.allowances(user=self.owner)
        assert mine.used == 1  # only the one that was sent

    @pytest.mark.storage
    def test_failed_items_are_retried_with_new_keys_by_the_same_rules(self):
        batch = self.started(n=2)
        self.tick(times=2)
        failed = batch.runs.first()
        self.finish_upstream(failed, "failed")
        self.poll(failed)
        self.client.post(f"{batch.get_absolute_url()}retry/")
        retry = batch.items.get(retry_of__isnull=False)
        assert retry.state == "waiting" and retry.key != failed.batch_item.key
        self.tick()
        retry.refresh_from_db()
        assert retry.state == "sent" and self.sandbox.calls("upload") == 2  # photo reused

    @pytest.mark.storage
    def test_failed_items_whose_photos_went_are_not_retried_or_paid_for(self):
        batch = self.started(n=2)
        self.tick(times=2)
        failed = batch.runs.first()
        self.finish_upstream(failed, "failed")
        self.poll(failed)
        # Retention (RETAIN_INPUT_DAYS) takes the failed run's photos.
        photos_remove(photos=photos_leaving(runs=[failed.pk]), now=timezone.now(), limit=None)
        held = points_held(item_ids=list(batch.items.values_list("pk", flat=True)))
        page = self.client.post(f"{batch.get_absolute_url()}retry/", follow=True)
        assert "The photos of these items are no longer kept" in page.content.decode()
        assert not batch.items.filter(retry_of__isnull=False).exists()
        assert points_held(item_ids=list(batch.items.values_list("pk", flat=True))) == held

    @pytest.mark.storage
    def test_it_finishes_with_one_zip_named_after_the_inputs(self):
        batch = self.started(n=2)
        self.tick(times=2)
        self.drive_runs(batch)
        assert batch_pacing.batches_settle() == 1
        batch.refresh_from_db()
        assert batch.state == "done"
        response = self.client.get(f"{batch.get_absolute_url()}download.zip")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        assert sorted(archive.namelist()) == ["person-00-1.jpg", "person-01-1.jpg"]

    def test_a_batch_says_created_until_it_is_started(self):
        batch = self.prepared(n=2)
        page = self.client.get(batch.get_absolute_url()).content.decode()
        assert '<a href="/batches/" aria-current="page">Batches</a>' in page  # in the menu
        assert "Created by owner · " in page and "Started by" not in page
        self.client.post(f"{batch.get_absolute_url()}start/")
        page = self.client.get(batch.get_absolute_url()).content.decode()
        assert "Started by owner · " in page and "Created by" not in page

    def test_the_poll_that_sees_the_last_item_end_says_finished(self):
        batch = self.started(n=2)
        self.tick(times=2)
        progress = f"{batch.get_absolute_url()}progress/"
        assert ">Running</span>" in self.client.get(progress).content.decode()
        self.drive_runs(batch)
        # No sweep has come by: the page's next poll finishes the batch itself.
        html = self.client.get(progress).content.decode()
        batch.refresh_from_db()
        assert batch.state == "done" and batch.finished_at is not None
        assert ">Done</span>" in html and "2 of 2 finished" in html
        assert "Pause" not in html and "hx-trigger" not in html  # the poll stops there
        assert batch_pacing.batches_settle() == 0  # and the sweep finds nothing to do


class HistoryTests(BatchTestCase):
    def test_a_batch_is_one_card_in_history_that_opens_its_page(self):
        single = self.start()
        batch = self.prepared(n=3)
        self.client.post(f"{batch.get_absolute_url()}start/")
        self.tick(times=3)
        html = self.client.get("/history/").content.decode()
        assert html.count(f'href="/batches/{batch.pk}/"') == 1
        assert f'href="/generations/{single.pk}/"' in html
        for run in batch.runs.all():
            assert f"/generations/{run.pk}/" not in html  # its runs are inside the card
        assert "0 of 3 done" in html
        # Filtering by state shows single runs only; searching finds the batch by app.
        assert (
            f"/batches/{batch.pk}/"
            not in self.client.get("/history/?state=running").content.decode()
        )
        assert f"/batches/{batch.pk}/" in self.client.get("/history/?q=watercolor").content.decode()


class StaffTests(BatchTestCase):
    def test_staff_see_running_batches_on_the_usage_page_and_in_the_admin(self):
        batch = self.prepared(n=2)
        self.client.post(f"{batch.get_absolute_url()}start/")
        self.login(self.staff)
        html = self.client.get("/usage/").content.decode()
        assert f'href="/batches/{batch.pk}/"' in html and "0 / 2" in html
        listing = self.client.get("/admin/generator/batch/").content.decode()
        assert "Watercolor portrait" in listing and "owner" in listing
        detail = self.client.get(f"/admin/generator/batch/{batch.pk}/change/").content.decode()
        assert "person-00.jpg" in detail and "person-01.jpg" in detail


class SendsBrokenOffTests(BatchTestCase):
    """A worker that lives through a database outage (ops runworker) resolves what its
    broken-off tick held by looking it up, at once, never by sending it again."""

    started = SendTests.started

    def setUp(self):
        super().setUp()
        workers.worker_register(name="w-here:1")
        self.addCleanup(workers.worker_register, name="")

    def test_an_item_whose_send_the_database_broke_off_waits_again_and_is_sent_once(self):
        batch = self.started(n=1)
        item = batch.items.get()
        # The database drops the connection as the run is about to be written.
        with (
            mock.patch.object(batch_pacing, "run_start", side_effect=OperationalError("gone")),
            pytest.raises(OperationalError),
        ):
            self.tick()
        item.refresh_from_db()
        assert item.state == "sending" and item.claimed_by == "w-here:1"
        assert item.claimed_until > timezone.now() + timedelta(minutes=4)  # its lease holds
        assert batch_pacing.items_release_held() == 1  # the database is back: looked up
        item.refresh_from_db()
        assert item.state == "waiting" and item.run is None  # no run: nothing was sent
        self.tick()
        item.refresh_from_db()
        assert item.state == "sent" and item.run is not None
        assert self.sandbox.calls("generate") == 1

    def test_the_next_tick_of_the_same_worker_resolves_it_too(self):
        batch = self.started(n=2)
        first = batch.items.order_by("index").first()
        self.tick()  # the first went out; then its link is lost in a broken-off tick
        BatchItem.objects.filter(pk=first.pk).update(
            state="sending", run=None, claimed_by="w-here:1",
            claimed_until=timezone.now() + timedelta(minutes=5),
        )  # fmt: skip
        self.tick()
        first.refresh_from_db()
        assert first.state == "sent" and first.run is not None  # found by its key
        self.tick()
        assert batch.items.filter(state="sent").count() == 2
        assert self.sandbox.calls("generate") == 2  # the first was not sent again

    def test_a_call_sent_before_the_database_went_away_is_unknown_at_once_never_resent(self):
        batch = self.started(n=1)
        real_send_once = starting.send_once

        def sent_then_database_gone(run, call):
            def answered_then_lost():
                call()  # A1 made the task...
                raise OperationalError("gone")  # ...and its id was never written

            return real_send_once(run, answered_then_lost)

        with (
            mock.patch.object(starting, "send_once", sent_then_database_gone),
            pytest.raises(OperationalError),
        ):
            self.tick()
        run = Run.objects.get()
        assert run.state == "submitting" and run.sent_at is not None
        assert tracking.runs_release_held(worker="w-here:1") == 0
        run.refresh_from_db()
        assert run.state == "unknown"  # at once, not after SUBMIT_LEASE; the person decides
        assert batch.items.get().state == "sent"
        self.tick(times=2)
        assert self.sandbox.calls("generate") == 1

    def test_a_dead_workers_item_is_resolved_by_the_beat_without_waiting_for_a_tick(self):
        batch = self.started(n=1)
        item = batch.items.get()
        WorkerHeartbeat.objects.create(worker="w-dead", seen_at=timezone.now() - timedelta(hours=1))
        BatchItem.objects.filter(pk=item.pk).update(
            state="sending",
            claimed_until=timezone.now() + timedelta(minutes=5),
            claimed_by="w-dead",
        )
        Chore.objects.update_or_create(
            name=batch_pacing.SLOT, defaults={"next_run": timezone.now()}
        )  # the pacer looks alive: no tick is queued
        batch_pacing.batches_take_over()
        item.refresh_from_db()
        assert item.state == "waiting"
        assert self.sandbox.calls("generate") == 0

    def uploading_then(self, meanwhile):
        """The item's photo is uploading when `meanwhile(run)` happens elsewhere."""
        real_upload = starting.photos_upload

        def upload(*, photos, progress=None):
            real_upload(photos=photos, progress=progress)
            meanwhile(Run.objects.get())

        return mock.patch.object(starting, "photos_upload", upload)

    def test_a_send_still_uploading_when_the_database_comes_back_goes_on(self):
        batch = self.started(n=1)
        # The outage ends while this worker's send thread is still uploading: the
        # worker's recovery gives up what its broken-off job held, not this send.
        with (
            mock.patch.object(runworker, "WORKER_NAME", "w-here:1"),
            mock.patch.object(runworker, "close_old_connections"),  # the test's transaction
            self.uploading_then(lambda run: runworker.recover_once()),
        ):
            self.tick()
        item = batch.items.select_related("run").get()
        assert item.state == "sent" and item.run.state == "running" and item.run.task_id
        assert self.sandbox.calls("generate") == 1

    def test_a_send_that_outlived_its_lease_is_sent_later_not_refused(self):
        batch = self.started(n=1)
        # The sweep released the run (its lease ran out mid-upload): nothing was sent.
        with self.uploading_then(lambda run: holds.run_abandon(run=run)):
            self.tick()
        item = batch.items.get()
        assert item.state == "waiting" and item.reason == ""
        assert points_held(item_ids=[item.pk]) == item.points  # still held for it
        self.tick()
        item.refresh_from_db()
        assert item.state == "sent" and item.run.state == "running"
        assert self.sandbox.calls("generate") == 1

    def test_an_item_another_worker_took_meanwhile_is_left_to_it(self):
        batch = self.started(n=1)

        def released_and_taken(run):
            holds.run_abandon(run=run)
            BatchItem.objects.filter(batch=batch).update(
                state="sending", claimed_by="w-other:2", claimed_until=timezone.now()
            )

        with self.uploading_then(released_and_taken):
            self.tick()
        item = batch.items.get()
        assert item.state == "sending" and item.claimed_by == "w-other:2"  # its send now
        assert points_held(item_ids=[item.pk]) == item.points
        assert self.sandbox.calls("generate") == 0
