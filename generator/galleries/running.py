"""Running: everything of a person's that is on its way (waiting, sending, running,
saving), across single runs and batches, read from our database only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from generator.batches.status import Progress, batch_progress
from generator.models import Batch, ResultImage, Run
from generator.runs.tracking import app_typical_seconds

RUNS_SHOWN = 100
MOVING = (Run.State.SUBMITTING, *Run.IN_FLIGHT)


@dataclass
class RunningRun:
    run: Run
    copied: int
    seconds: int  # since it was sent (or, before, since it was opened)
    typical: int | None  # the app's median time, when there is one


@dataclass
class RunningBatch:
    batch: Batch
    progress: Progress


@dataclass
class Running:
    runs: list[RunningRun]
    batches: list[RunningBatch]

    @property
    def moving(self) -> bool:
        return bool(self.runs) or any(b.batch.state == Batch.State.RUNNING for b in self.batches)


def running_list(*, user, now: datetime | None = None) -> Running:
    """The person's single runs still moving, oldest first (the order A1 got them), and
    their batches running or paused, each with its counts, people ahead in the turn and
    its ETA (generator/batches/status.py). No call to A1."""
    now = now or timezone.now()
    copied = (
        ResultImage.objects.filter(run=OuterRef("pk"))
        .exclude(file="")
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    runs = (
        Run.objects.filter(user=user, batch__isnull=True, state__in=MOVING, deleted_at__isnull=True)
        .annotate(copied_count=Subquery(copied))
        .order_by("created")[:RUNS_SHOWN]
    )
    typical: dict[str, int | None] = {}
    listed = []
    for run in runs:
        if run.app_id not in typical:
            seconds = app_typical_seconds(app_id=run.app_id) if run.app_id else None
            typical[run.app_id] = int(seconds) if seconds else None
        since = run.sent_at or run.submitted_at or run.created
        listed.append(
            RunningRun(
                run=run,
                copied=getattr(run, "copied_count", None) or 0,
                seconds=max(0, int((now - since).total_seconds())),
                typical=typical[run.app_id],
            )
        )
    batches = Batch.objects.filter(
        Q(state=Batch.State.RUNNING) | Q(state=Batch.State.PAUSED), user=user
    ).order_by("created")
    return Running(
        runs=listed,
        batches=[RunningBatch(batch, batch_progress(batch=batch)) for batch in batches],
    )
