"""Following a run after submission: polling A1, copying results, resuming.

Only the worker runs these (the web process only reads the rows). Each poll first
claims the run: a conditional UPDATE takes a lease (`claimed_until`) on a run
whose poll is due, so however many jobs or workers ask, A1 is queried at most once
per interval per task. Every later write is conditional on still holding that lease
and names its columns, so what people do meanwhile (delete, hide, share, favourite)
is never written back over.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from a1 import A1Error, Code, TaskState
from common import metrics, tracing
from generator.keys import webhooks
from generator.models import BatchItem, ResultImage, Run
from generator.money.ledger import ledger_release
from generator.runs.copying import results_copy, results_copy_apart
from generator.runs.durations import task_seconds_note
from generator.runs.holds import run_abandon
from generator.runs.upstream import a1_client
from generator.runs.workers import RELEASED, Lease, held_by_dead, worker_current

logger = logging.getLogger(__name__)

SUBMIT_ABANDONED = timedelta(minutes=10)
BACKOFF_KEY = "a1-backoff-until"
IN_FLIGHT = Run.IN_FLIGHT
State = Run.State


# --- scheduling --------------------------------------------------------------------


@task()
def poll_run(run_id: str, trace: str = "", priority: int = 0) -> None:
    """One step for one run, then the next step is queued for when it is due.

    A job whose claim fails (another job already polled this interval) ends quietly,
    so duplicate jobs die out instead of multiplying. `trace` is the traceparent of the
    request that started the run (common/tracing.py), handed on to the next job, and
    `priority` (poll_priority) with it. A run whose results are to be copied is
    copied on a thread of its own (copying.py `results_copy_apart`), so this job, and the
    worker's one job loop, go on to the next due poll at once.
    """

    def poll_again(when: datetime) -> None:
        poll_run.using(run_after=when, priority=priority).enqueue(
            run_id, trace=trace, priority=priority
        )

    apart = poll_again if settings.RESULT_COPY_APART else None
    with tracing.job_span("poll_run", parent=trace, run_id=str(run_id)):
        next_at = run_poll(run_id=run_id, copy_apart=apart)
    if next_at is not None:
        poll_again(next_at)


# When the worker's queue is behind, whose polls (and copies) go first: a run someone
# started by hand, then batch runs of people within their share of batch runs at A1
# (BATCH_MAX_IN_FLIGHT_PER_PERSON: a small batch beside a big one), then the rest of
# the big batches. Due jobs run highest first; the pacer's tick is above them all.
PRIORITY_BY_HAND, PRIORITY_WITHIN_SHARE, PRIORITY_BULK = 5, 2, 0


def poll_priority(run: Run) -> int:
    if run.batch_id is None:
        return PRIORITY_BY_HAND
    busy = Run.objects.filter(user_id=run.user_id, batch__isnull=False, state__in=IN_FLIGHT)
    if busy.count() <= settings.BATCH_MAX_IN_FLIGHT_PER_PERSON:
        return PRIORITY_WITHIN_SHARE
    return PRIORITY_BULK


def track(run: Run) -> None:
    """Hand the run to the worker once the transaction that started it commits."""
    when, pk, parent = run.next_poll_at, str(run.pk), tracing.traceparent()
    priority = poll_priority(run)
    transaction.on_commit(
        lambda: poll_run.using(run_after=when, priority=priority).enqueue(
            pk, trace=parent, priority=priority
        )
    )


def resume_due(*, grace: timedelta | None = None) -> int:
    """Queue a poll for every in-flight run whose job was lost (worker start, sweep).
    `grace`: how overdue a poll must be (WORKER_RESUME_GRACE unless said; none right
    after a database outage, when every chain may have broken at once)."""
    due = runs_due(grace=grace)
    for run_id in due:
        poll_run.enqueue(run_id)
    return len(due)


def poll_interval(*, age: timedelta, errors: int, stalled: bool) -> timedelta:
    """How long to wait before the next query: short at first, slower for long tasks."""
    base = settings.A1_POLL_INTERVAL
    if errors:
        return timedelta(seconds=min(base * 2**errors, 60))
    if stalled:
        return timedelta(seconds=60)
    if age < timedelta(minutes=2):
        return timedelta(seconds=base)
    return timedelta(seconds=min(base * 3, 30))


# --- the lease (generator/runs/workers.py) -----------------------------------------


def _claim(run_id, now: datetime) -> tuple[Run, Lease] | None:
    """Take the right to poll this run now, or None if it is not due / not ours."""
    until = now + timedelta(seconds=settings.WORKER_POLL_LEASE)
    claimed = (
        Run.objects.filter(pk=run_id, state__in=IN_FLIGHT, next_poll_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=until, claimed_by=worker_current(), poll_count=F("poll_count") + 1)
    )
    if not claimed:
        return None
    return Run.objects.get(pk=run_id), Lease(run_id, until)


# --- one step ------------------------------------------------------------------------


def run_poll(*, run_id, copy_apart: Callable[[datetime], None] | None = None) -> datetime | None:
    """Do the one due step for a run; return when to look again (None: nothing).

    With `copy_apart`, a copy of results is handed to a copying thread and this returns
    None at once; the thread calls `copy_apart(when)` if the run must be polled again.
    Without it (tests, a shell), the copy is made here and its next time returned."""
    now = timezone.now()
    claim = _claim(run_id, now)
    if claim is None:
        return None
    run, lease = claim
    if run.state == State.COPYING:
        return _copy(run, lease, copy_apart)
    backoff_until = cache.get(BACKOFF_KEY)
    if backoff_until and backoff_until > now:
        return lease.schedule(backoff_until)
    try:
        task_ = a1_client().task(run.task_id)
    except A1Error as exc:
        return _poll_failed(run, lease, exc, now)
    seen = {
        "upstream_state": task_.raw_state[:16],
        "upstream_response": task_.raw,
        "poll_errors": 0,
    }
    if task_.state is TaskState.COMPLETED:
        task_seconds_note(
            kind=run.kind,
            app_id=run.app_id,
            task=task_,
            submitted_at=run.submitted_at,
            seen_at=now,
            polls=run.poll_count,
        )
        if not task_.images:
            _fail(lease, now, Run.Problem.NO_IMAGES, kind=run.kind, **seen)
            return None
        for index, url in enumerate(task_.images):
            ResultImage.objects.get_or_create(
                run_id=run.pk, index=index, defaults={"upstream_url": url}
            )
        if not lease.rows().update(state=State.COPYING, **seen):
            return None
        return _copy(run, lease, copy_apart)
    if task_.state is TaskState.FAILED:
        _fail(
            lease,
            now,
            Run.Problem.TASK_FAILED,
            kind=run.kind,
            error_message=task_.fail_reason[:2000],  # A1's words, in A1's language
            **seen,
        )
        return None
    stalled = _stall_if_late(run, lease, now)
    age = now - (run.submitted_at or run.created)
    return lease.schedule(now + poll_interval(age=age, errors=0, stalled=stalled), **seen)


def _copy(run: Run, lease: Lease, apart) -> datetime | None:
    if apart is not None and results_copy_apart(run=run, lease=lease, then=apart):
        return None
    return results_copy(run=run, lease=lease)  # asked to, or every copying thread is busy


def _stall_if_late(run: Run, lease: Lease, now: datetime) -> bool:
    """Mark a running task stalled past its deadline; True if it is stalled now."""
    if run.state == State.STALLED:
        return True
    late = lease.rows().filter(state=State.RUNNING, stall_at__lt=now).update(state=State.STALLED)
    if late:
        logger.warning("Run %s stalled after %s polls", run.pk, run.poll_count)
    return bool(late)


def _poll_failed(run: Run, lease: Lease, exc: A1Error, now: datetime):
    errors = min(run.poll_errors + 1, 10)
    _stall_if_late(run, lease, now)
    wait = poll_interval(age=timedelta(0), errors=errors, stalled=False)
    if exc.code == Code.RATE_LIMITED:
        # Every poller slows down, not just this one.
        cache.set(BACKOFF_KEY, now + wait, timeout=int(wait.total_seconds()) + 1)
    logger.warning("Polling run %s failed (%s); next try in %s", run.pk, exc, wait)
    return lease.schedule(now + wait, poll_errors=errors)


def _fail(lease: Lease, now: datetime, problem: str, *, kind: str, **changes) -> None:
    # Failed before producing output: A1 gives the points back, so none count as spent.
    with transaction.atomic():
        ended = (
            lease.rows()
            .filter(state__in=IN_FLIGHT)
            .update(
                **RELEASED,
                state=State.FAILED,
                problem=problem,
                finished_at=now,
                points_spent=0,
                next_poll_at=None,
                **changes,
            )
        )
        if ended:
            ledger_release(run_id=lease.run_id)
    if ended:
        metrics.runs_finished.labels(kind, State.FAILED).inc()
    # Whoever ends the run tells its key's webhook; a delivery is made once per run end.
    webhooks.run_ended(run_id=lease.run_id)


# --- the sweep and the user's "check again" -----------------------------------------


def runs_due(*, now: datetime | None = None, grace: timedelta | None = None) -> list[str]:
    """In-flight runs whose poll is overdue (their job was lost): to re-enqueue.

    Also settles submissions whose process died (their lease ran out): one that never
    sent its call is released (no points were spent; a batch item waits again), one
    that may have sent it is "unknown". Neither is ever re-sent automatically.
    """
    now = now or timezone.now()
    _settle_died_submissions(Run.objects.filter(claimed_until__lt=now))
    Run.objects.filter(
        state=State.SUBMITTING, claimed_until__isnull=True, created__lt=now - SUBMIT_ABANDONED
    ).update(state=State.UNKNOWN, problem=Run.Problem.INTERRUPTED)  # before leases
    if grace is None:
        grace = timedelta(seconds=settings.WORKER_RESUME_GRACE)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    overdue = Run.objects.filter(free, state__in=IN_FLIGHT).filter(
        Q(next_poll_at__lte=now - grace) | Q(next_poll_at__isnull=True)
    )
    return [str(pk) for pk in overdue.values_list("pk", flat=True)]


def _settle_died_submissions(died) -> None:
    """Submissions whose process died: released if their call was never sent, else
    "unknown" (it may have reached A1). Never sent again, never sent twice."""
    died = died.filter(state=State.SUBMITTING)
    died.filter(sent_at__isnull=False).update(
        state=State.UNKNOWN, problem=Run.Problem.INTERRUPTED, **RELEASED
    )
    for run in died.filter(sent_at__isnull=True):
        run_abandon(run=run)


def runs_take_over(*, now: datetime | None = None) -> int:
    """Take over what dead workers held (workers.py), without waiting for their leases.

    Their submissions are settled as the sweep settles any that died; their polls and
    copies (free, and safe to repeat) are freed and queued now, each by one worker only.
    Returns how many polls were queued.
    """
    now = now or timezone.now()
    dead = held_by_dead(now)
    _settle_died_submissions(Run.objects.filter(dead))
    queued = 0
    for pk in Run.objects.filter(dead, state__in=IN_FLIGHT).values_list("pk", flat=True):
        freed = Run.objects.filter(dead, pk=pk, state__in=IN_FLIGHT).update(
            **RELEASED, next_poll_at=now
        )
        if freed:
            logger.warning("Took over run %s from a worker that stopped beating", pk)
            poll_run.enqueue(str(pk))
            queued += 1
    return queued


def runs_release_held(
    *,
    worker: str,
    sending_items: Collection[int] = (),
    copying: Collection[str] = (),
    now: datetime | None = None,
) -> int:
    """What this worker held when the database went away under its job, given up at once.

    A worker that lives through an outage (ops runworker) is still beating, so nobody
    takes over its leases until they run out (WORKER_POLL_LEASE, SUBMIT_LEASE). But its
    task loop runs one job at a time, and the job that held them broke off: it holds
    nothing on purpose between jobs. So, as for a dead worker (`runs_take_over`): its
    submissions are settled (released if never sent, else "unknown": never sent again),
    its polls and copies are freed and queued now. Returns how many polls were queued.

    Except the runs of `sending_items`: batch items its send threads are sending right
    now (batches.pacing.items_sending_here, passed in by the worker): those did not break
    off with the job, their thread is still uploading or waiting for A1's answer. And
    the runs of `copying` (copying.runs_copying_here): their copying threads carry on.
    """
    if not worker:
        return 0
    now = now or timezone.now()
    mine = Q(claimed_by=worker, claimed_until__gt=now)
    sending = BatchItem.objects.filter(pk__in=list(sending_items)).values("run_id")
    _settle_died_submissions(Run.objects.filter(mine).exclude(pk__in=sending))
    queued = 0
    held = Run.objects.filter(mine, state__in=IN_FLIGHT).exclude(pk__in=list(copying))
    for pk in held.values_list("pk", flat=True):
        if Run.objects.filter(mine, pk=pk, state__in=IN_FLIGHT).update(
            **RELEASED, next_poll_at=now
        ):
            poll_run.enqueue(str(pk))
            queued += 1
    return queued


def run_resume(*, run: Run) -> Run:
    """The user asks to keep waiting for a stalled run.

    It never touches the lease: if a worker is polling right now, that poll is the
    check the user asked for, and it schedules the next one itself.
    """
    now = timezone.now()
    resumed = Run.objects.filter(pk=run.pk, state=State.STALLED).update(
        state=State.RUNNING,
        stall_at=now + timedelta(seconds=settings.A1_STALL_AFTER),
        next_poll_at=now,
        poll_errors=0,
    )
    run.refresh_from_db()
    if resumed:
        track(run)
    return run


def app_typical_seconds(*, app_id: str) -> float | None:
    """Median run time of this app's recent completed runs (cached a minute)."""
    key = f"app-duration:{app_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    rows = (
        Run.objects.filter(app_id=app_id, state=State.COMPLETED, submitted_at__isnull=False)
        .order_by("-finished_at")
        .values_list("submitted_at", "finished_at")[:20]
    )
    durations = [(done - start).total_seconds() for start, done in rows if done and start]
    typical = statistics.median(durations) if durations else 0
    cache.set(key, typical, 60)
    return typical or None
