"""What a batch looks like from outside: its counts, points and an ETA.

Read from our database only (two queries), for the batch page's polling fragment,
the list of batches, staff's usage page, the REST API and the batch webhook.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from generator.batches.fairness import RUN_IN_FLIGHT, batch_turn
from generator.models import Batch, BatchItem, Run
from generator.runs.tracking import app_typical_seconds

State = Batch.State
Item = BatchItem.State


@dataclass
class Progress:
    total: int
    checking: int
    invalid: int
    ready: int
    waiting: int
    running: int
    done: int
    failed: int
    cancelled: int
    points_spent: int
    points_held: int
    eta_seconds: int | None
    people_ahead: int = 0  # in the turn for the next send (0: this batch is next)
    people_sharing: int = 1  # people whose batches share the pace now

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.cancelled

    @property
    def eta_minutes(self) -> int | None:
        return None if self.eta_seconds is None else max(1, -(-self.eta_seconds // 60))

    @property
    def started(self) -> int:
        """Items handed to the pacer (bad, unchecked and draft items are not)."""
        return self.total - self.invalid - self.ready - self.checking

    @property
    def percent(self) -> int:
        return int(self.finished * 100 / self.started) if self.started else 0


def batch_progress(*, batch: Batch) -> Progress:
    """Counts for the progress page, from our database only (two queries)."""
    by_state = dict(
        batch.items.values_list("state").annotate(n=Count("pk")).values_list("state", "n")
    )
    runs = dict(
        Run.objects.filter(batch=batch)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    money = Run.objects.filter(batch=batch).aggregate(
        spent=Sum("points_spent", default=0),
        held=Sum(
            "points_quoted",
            filter=Q(points_spent__isnull=True) & ~Q(state=Run.State.FAILED),
            default=0,
        ),
    )
    waiting = by_state.get(Item.WAITING, 0) + by_state.get(Item.SENDING, 0)
    running = sum(runs.get(s, 0) for s in (*RUN_IN_FLIGHT, Run.State.COPYING))
    running += runs.get(Run.State.UNKNOWN, 0)
    failed = runs.get(Run.State.FAILED, 0) + by_state.get(Item.REFUSED, 0)
    ended = runs.get(Run.State.COMPLETED, 0) + runs.get(Run.State.FAILED, 0)
    eta, ahead, sharing = None, 0, 1
    if batch.state == State.RUNNING and (waiting or running):
        typical = app_typical_seconds(app_id=batch.app_id) or 30
        if waiting:
            # People take turns (fairness.py): this batch gets its share of the pace.
            ahead, sharing = batch_turn(batch=batch)
        eta = int(waiting * sharing / settings.BATCH_SEND_RATE + typical)
        measured = _measured_seconds_left(batch=batch, ended=ended, left=waiting + running)
        if measured is not None:
            eta = measured
    return Progress(
        total=sum(by_state.values()),
        checking=by_state.get(Item.CHECKING, 0),
        invalid=by_state.get(Item.INVALID, 0),
        ready=by_state.get(Item.READY, 0),
        waiting=waiting,
        running=running,
        done=runs.get(Run.State.COMPLETED, 0),
        failed=failed,
        cancelled=by_state.get(Item.CANCELLED, 0),
        points_spent=money["spent"],
        points_held=money["held"] + waiting * batch.points_per_item,
        eta_seconds=eta,
        people_ahead=ahead,
        people_sharing=sharing,
    )


def _measured_seconds_left(*, batch: Batch, ended: int, left: int) -> int | None:
    """Seconds left at the pace this batch has kept since it started (items ended per
    second), once two have ended; None before that (the estimate from the send rate
    and the app's typical time stands). It moves as the batch runs: faster or slower
    than expected, the time left follows."""
    if ended < 2 or not batch.started_at:
        return None
    elapsed = (timezone.now() - batch.started_at).total_seconds()
    if elapsed <= 0:
        return None
    return int(left * elapsed / ended)


def batches_overview(*, limit: int = 50) -> list[tuple[Batch, Progress]]:
    """Staff: every running or paused batch, and every one awaiting approval (its points
    are held), with its progress, newest first."""
    holding = [State.RUNNING, State.PAUSED, State.AWAITING_APPROVAL]
    active = Batch.objects.filter(state__in=holding).select_related("user", "team")[:limit]
    return [(batch, batch_progress(batch=batch)) for batch in active]
