"""The pacer's sends overlap on its thread pool: a tick's items go out one send interval
apart without waiting for each other's upload, each still sent once with its own key,
under the in-flight cap, and an item whose outcome is unknown is never sent again.

Transactional: the pool's threads must see the rows the test writes."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from generator.batches import pacing as batch_pacing
from generator.models import Batch, BatchItem, Run
from generator.schedules.models import Chore
from tests.base import TransactionalTrackingTestCase
from tests.batches.base import BatchMixin


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


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
        # Each upload takes 1.5 s at A1: one after the other, six take nine seconds.
        self.sandbox.knobs(latency=1.5, faults_on="upload")
        began = time.monotonic()
        with self.settings(BATCH_SEND_RATE=6.0, BATCH_SEND_THREADS=4):
            self.tick()
            wait_for(lambda: self.settled(batch))
        elapsed = time.monotonic() - began
        assert elapsed < 7.0, f"sends did not overlap: {elapsed:.1f} s for six 1.5 s uploads"
        assert self.sandbox.calls("generate") == 6 and self.sandbox.calls("upload") == 6
        for item in batch.items.select_related("run"):
            assert item.state == "sent" and item.run.idempotency_key == item.key
        assert Run.objects.values("idempotency_key").distinct().count() == 6

    def test_the_in_flight_cap_holds_with_sends_overlapping(self):
        batch = self.started(n=5)
        with self.settings(BATCH_SEND_RATE=5.0, BATCH_MAX_IN_FLIGHT=2):
            self.tick()
            wait_for(lambda: self.sandbox.calls("generate") >= 2)
            wait_for(lambda: not Run.objects.filter(state="submitting").exists())
            self.tick()  # the two are still at A1: no room
        assert self.sandbox.calls("generate") == 2
        assert batch.items.filter(state="waiting").count() == 3

    def test_an_item_whose_outcome_is_unknown_is_never_sent_again(self):
        batch = self.started(n=3)
        self.sandbox.knobs(drop_rate=1, faults_on="generate")
        with self.settings(BATCH_SEND_RATE=3.0):
            self.tick()
            wait_for(lambda: self.settled(batch))
            self.sandbox.knobs(drop_rate=0)
            self.tick()
            self.tick()
        assert set(Run.objects.values_list("state", flat=True)) == {"unknown"}
        assert self.sandbox.calls("generate") == 3  # one each, never again
        assert BatchItem.objects.filter(batch=batch, state="sent").count() == 3
