"""Which workers are alive, so that a dead one's leases are taken over in seconds.

Every worker process beats its row (WorkerHeartbeat) four times a poll interval from a
thread of its own. A lease (`claimed_until` on a run or a batch item) names the worker
that took it (`claimed_by`); one whose worker has not beaten for 1.5 poll intervals is
held by nobody, whatever `claimed_until` says. Web processes and shells take leases
without a name ("") and are trusted until the lease runs out, as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone

from generator.runs.models import Run, WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)  # a dead worker's row is kept this long, for /healthz

_current = ""  # this process's worker name, once it starts beating

# A run's lease given up: no end, and no worker named. A run nobody holds never names
# the worker that last held it, so "what a dead worker holds" is exactly the runs that
# name it (a free run waiting for its next poll is nobody's, whoever submitted it).
RELEASED = {"claimed_until": None, "claimed_by": ""}


@dataclass
class Lease:
    """The right to poll (or copy) one run until `until`; every write checks it."""

    run_id: uuid.UUID | str  # a task's argument arrives as text
    until: datetime

    def rows(self):
        return Run.objects.filter(pk=self.run_id, claimed_until=self.until)

    def renew(self) -> bool:
        """Extend the lease (a long copy); False if it was lost meanwhile."""
        until = timezone.now() + timedelta(seconds=settings.WORKER_POLL_LEASE)
        if not self.rows().update(claimed_until=until):
            return False
        self.until = until
        return True

    def release(self, **changes) -> bool:
        """Write the step's outcome and give the lease up, in one conditional UPDATE."""
        return bool(self.rows().update(**RELEASED, **changes))

    def schedule(self, when: datetime, **seen) -> datetime | None:
        """Give the lease up with the next poll at `when`; None if it was lost (the
        lease ran out and another job took over: that one schedules)."""
        return when if self.release(next_poll_at=when, **seen) else None


def worker_register(*, name: str) -> None:
    """This process is the worker `name`: the leases it takes from now on carry its name."""
    global _current
    _current = name


def worker_current() -> str:
    """The name leases taken here carry: "" outside a worker (never taken over early)."""
    return _current


def beat_seconds() -> float:
    """How often a worker beats: four times a poll interval, so a few late beats are no
    death, and the takeover (death seen, then the next round of a live worker's takeover
    thread, at the same cadence) still ends within two poll intervals."""
    return settings.A1_POLL_INTERVAL / 4


def stale_after() -> timedelta:
    """A worker whose last beat is older than this is dead: one and a half poll
    intervals (six beats missed); a live worker's takeover thread takes it over at most a
    quarter interval later, so within two intervals of the death."""
    return timedelta(seconds=1.5 * settings.A1_POLL_INTERVAL)


def worker_beat(*, name: str, upstream_ok: bool | None = None) -> None:
    """This worker is alive now (and, from a sweep, whether it reached A1).

    Beats are written and judged by the database's clock, so a worker whose own clock
    runs behind is not taken for dead, nor one whose clock runs ahead for alive.
    """
    defaults: dict = {"seen_at": Now()}
    if upstream_ok is not None:
        defaults["upstream_ok"] = upstream_ok
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults=defaults)


def worker_stop(*, name: str) -> None:
    """A worker that stops cleanly says so: anything it still holds is free at once."""
    WorkerHeartbeat.objects.filter(worker=name).delete()


def workers_forget() -> int:
    """Drop the rows of workers dead for a day (each process has its own name)."""
    long_ago = ExpressionWrapper(Now() - FORGET_AFTER, output_field=DateTimeField())
    return WorkerHeartbeat.objects.filter(seen_at__lt=long_ago).delete()[0]


def held_by_dead(now: datetime) -> Q:
    """Rows (runs or batch items) whose unexpired lease a dead worker holds."""
    recent = ExpressionWrapper(Now() - stale_after(), output_field=DateTimeField())
    live = WorkerHeartbeat.objects.filter(seen_at__gte=recent).values("worker")
    return Q(claimed_until__gt=now) & ~Q(claimed_by="") & ~Q(claimed_by__in=live)
