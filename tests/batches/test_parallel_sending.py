"""The pacer's sends overlap on its thread pool: a tick's items go out one send interval
apart without waiting for each other's upload, each still sent once with its own key,
under the in-flight cap, and an item whose outcome is unknown is never sent again.

Transactional: the pool's threads must see the rows the test writes."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta
from unittest import mock

from django.utils import timezone

from generator.batches import pacing as batch_pacing
from generator.models import Batch, BatchItem, Run
from generator.runs import tracking, workers
from generator.schedules.models import Chore
from tests.base import TransactionalTrackingTestCase
from tests.batches.base import BatchMixin
from tests.conftest import wait_until


class ParallelSendTests(BatchMixin, TransactionalTrackingTestCase):
    def started(self, n: int) -> Batch:
        batch = self.prepared(n=n)
        self.client.post(f"{batch.get_absolute_url()}start/")
        assert batch.items.filter(state="waiting").count() == n
        return batch

    def tick(self) -> None:
        Chore.objects.filter(name=batch_pacing.SLOT).update(
            next_run=timezone.now() - timedelta(seconds=1)
        )
        batch_pacing.batches_send_tick()

    def settled(self, batch: Batch) -> bool:
        """Every item has its run, and every run has had A1's answer (an item is "sent"
        once its run's row is written, before its photo is uploaded)."""
        return (
            not batch.items.filter(state__in=["waiting", "sending"]).exists()
            and not Run.objects.filter(batch=batch, state="submitting").exists()
        )

    def test_a_ticks_items_go_out_together_each_once_with_its_own_key(self):
        batch = self.started(n=6)
        # Each upload takes 1.5 s at A1: one after the other, none would overlap.
        self.sandbox.knobs(latency=1.5, faults_on="upload")
        with (
            self.settings(BATCH_SEND_RATE=6.0, BATCH_SEND_THREADS=4),
            self.sends_timed() as sends,
        ):
            self.tick()
            assert wait_until(lambda: self.settled(batch), timeout=60)
        assert self.overlapping(sends), f"no two sends overlapped: {sends}"
        assert self.sandbox.calls("generate") == 6 and self.sandbox.calls("upload") == 6
        for item in batch.items.select_related("run"):
            assert item.state == "sent" and item.run.idempotency_key == item.key
        assert Run.objects.values("idempotency_key").distinct().count() == 6

    @contextlib.contextmanager
    def sends_timed(self):
        """Each send's start and end (monotonic), as the slot makes it."""
        real_send, sends = batch_pacing._send, []

        def timed(item):
            began = time.monotonic()
            try:
                return real_send(item)
            finally:
                sends.append((began, time.monotonic()))

        with mock.patch.object(batch_pacing, "_send", timed):
            yield sends

    @staticmethod
    def overlapping(sends) -> bool:
        """One send began before another had ended."""
        return any(a < d and c < b for i, (a, b) in enumerate(sends) for c, d in sends[i + 1 :])

    def test_the_in_flight_cap_holds_with_sends_overlapping(self):
        batch = self.started(n=5)
        with self.settings(BATCH_SEND_RATE=5.0, BATCH_MAX_IN_FLIGHT=2, BATCH_SEND_THREADS=4):
            self.tick()
            assert wait_until(lambda: self.sandbox.calls("generate") >= 2, timeout=60)
            assert wait_until(
                lambda: not Run.objects.filter(state="submitting").exists(), timeout=60
            )
            self.tick()  # the two are still at A1: no room
        assert self.sandbox.calls("generate") == 2
        assert batch.items.filter(state="waiting").count() == 3

    def test_an_item_whose_outcome_is_unknown_is_never_sent_again(self):
        batch = self.started(n=3)
        self.sandbox.knobs(drop_rate=1, faults_on="generate")
        with self.settings(BATCH_SEND_RATE=3.0, BATCH_SEND_THREADS=4):
            self.tick()
            assert wait_until(lambda: self.settled(batch), timeout=60)
            self.sandbox.knobs(drop_rate=0)
            self.tick()
            self.tick()
        assert set(Run.objects.values_list("state", flat=True)) == {"unknown"}
        assert self.sandbox.calls("generate") == 3  # one each, never again
        assert BatchItem.objects.filter(batch=batch, state="sent").count() == 3

    def test_this_workers_threads_never_take_the_in_flight_caps_last_place_twice(self):
        batch = self.started(n=6)
        real_room = batch_pacing._room

        def slow_room() -> int:  # a slot looks at the cap until the tick's other slot is due
            room = real_room()
            if threading.current_thread().name.startswith("send"):
                wait_until(lambda: batch_pacing._slots_pending() == 0, timeout=10, step=0.01)
            return room

        with (
            self.settings(BATCH_SEND_RATE=20.0, BATCH_MAX_IN_FLIGHT=2, BATCH_SEND_THREADS=4),
            mock.patch.object(batch_pacing, "_room", slow_room),
        ):
            self.tick()  # two slots: the cap's two places
            assert wait_until(lambda: batch_pacing._slots_pending() == 0, timeout=60)
            self.tick()  # nothing claimed yet: two more slots
            batch_pacing.sends_stop()  # every slot has run
        assert wait_until(lambda: not Run.objects.filter(state="submitting").exists(), timeout=60)
        assert self.sandbox.calls("generate") == 2
        assert batch.items.filter(state="waiting").count() == 4

    def test_a_stopping_worker_ends_its_sends_before_it_goes(self):
        batch = self.started(n=4)
        self.sandbox.knobs(latency=1.0, faults_on="upload")
        with self.settings(BATCH_SEND_RATE=2.0, BATCH_SEND_THREADS=4):
            self.tick()  # four slots, half a second apart
            assert wait_until(
                lambda: batch.items.filter(state__in=["sending", "sent"]).exists(), timeout=60
            )
            batch_pacing.sends_stop()
        # Nothing is left half-sent: what went out has its task at A1, the rest waits
        # (held) for another worker; and nothing more is sent once stopped.
        assert not batch.items.filter(state="sending").exists()
        assert batch_pacing._slots_pending() == 0 and not batch_pacing.items_sending_here()
        sent = batch.items.filter(state="sent")
        assert (
            1 <= sent.count() < 4
            and batch.items.filter(state="waiting").count() == 4 - sent.count()
        )
        assert all(item.run.state == "running" and item.run.task_id for item in sent)
        assert self.sandbox.calls("generate") == sent.count()

    def test_it_keeps_a_second_claim_of_an_item_when_the_first_send_of_it_ends(self):
        """The sweep released an item's run (its lease ran out mid-upload) and another
        thread here claimed the item again: the first send ending must not drop the
        second one's claim, or the worker's recovery after an outage settles a run that
        is still being sent (it says "unknown" although A1 took it)."""
        batch = self.started(n=1)
        item = batch.items.get()
        workers.worker_register(name="w-here:1")
        self.addCleanup(workers.worker_register, name="")
        self.sandbox.knobs(latency=3.0, faults_on="upload,generate")
        with self.settings(BATCH_SEND_RATE=10.0, BATCH_SEND_THREADS=4):
            self.tick()  # the first send: its upload takes 3 s at A1
            assert wait_until(lambda: self.sandbox.calls("upload") == 1, timeout=30)
            first = Run.objects.get()
            # Its lease ran out: the sweep releases the run (nothing was sent) and the
            # item waits again, held; the next tick claims it on another thread.
            tracking.runs_due(now=first.claimed_until + timedelta(seconds=1))
            assert not Run.objects.filter(pk=first.pk).exists()
            self.tick()
            assert wait_until(lambda: Run.objects.filter(batch_item=item).exists(), timeout=30)
            # The first send ends (its run is gone: not sent) while the second one waits
            # 3 s for A1's answer to generate.
            assert wait_until(
                lambda: item.pk not in batch_pacing.items_sending_here() or self.settled(batch),
                timeout=60,
            )
            # The worker lived through an outage: it gives up what its job held, not
            # what its send threads are sending.
            tracking.runs_release_held(
                worker="w-here:1", sending_items=batch_pacing.items_sending_here()
            )
            assert wait_until(lambda: self.settled(batch), timeout=60)
        item.refresh_from_db()
        run = Run.objects.get(batch_item=item)
        assert item.state == "sent" and item.run_id == run.pk
        assert run.state == "running" and run.task_id
        assert self.sandbox.calls("generate") == 1
