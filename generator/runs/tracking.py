"""Following a run after submission: polling A1, copying results, resuming.

Only the worker runs these (the web process only reads the rows). Each poll first
claims the run: a conditional UPDATE takes a lease (`claimed_until`) on a run
whose poll is due, so however many jobs or workers ask, A1 is queried at most once
per interval per task. Every later write is conditional on still holding that lease
and names its columns, so what people do meanwhile (delete, hide, share, favourite)
is never written back over.
"""

from __future__ import annotations

import io
import logging
import statistics
import threading
import uuid
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from a1 import A1Error, Code, Task, TaskState
from common import metrics, tracing
from common.media import StorageUnavailable, file_discard, file_store, file_target
from generator.files.queue import files_intend, files_kept
from generator.keys import webhooks
from generator.models import BatchItem, ResultImage, Run
from generator.money.ledger import ledger_release, ledger_spend
from generator.runs.durations import task_seconds_note
from generator.runs.holds import run_abandon
from generator.runs.models import THUMBNAIL_SIDE
from generator.runs.upstream import a1_client
from generator.runs.workers import RELEASED, held_by_dead, worker_current

logger = logging.getLogger(__name__)

SUBMIT_ABANDONED = timedelta(minutes=10)
MAX_COPY_ATTEMPTS = 40
# A copy that our storage refused is tried again after 1, 2, 4, 8, then every 10 s: a
# run completes within seconds of storage coming back (copies re-download from A1).
STORAGE_RETRY_MAX_SECONDS = 10
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
    `priority` (poll_priority) with it.
    """
    with tracing.job_span("poll_run", parent=trace, run_id=str(run_id)):
        next_at = run_poll(run_id=run_id)
    if next_at is not None:
        poll_run.using(run_after=next_at, priority=priority).enqueue(
            run_id, trace=trace, priority=priority
        )


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


# --- the lease ---------------------------------------------------------------------


@dataclass
class Lease:
    """The right to poll one run until `until`; every write checks it."""

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


def run_poll(*, run_id) -> datetime | None:
    """Do the one due step for a run; return when to look again (None: nothing)."""
    now = timezone.now()
    claim = _claim(run_id, now)
    if claim is None:
        return None
    run, lease = claim
    if run.state == State.COPYING:
        return _copy_pending(run, lease)
    backoff_until = cache.get(BACKOFF_KEY)
    if backoff_until and backoff_until > now:
        return _schedule(lease, backoff_until)
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
        return _copy_pending(run, lease)
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
    return _schedule(lease, now + poll_interval(age=age, errors=0, stalled=stalled), **seen)


def _stall_if_late(run: Run, lease: Lease, now: datetime) -> bool:
    """Mark a running task stalled past its deadline; True if it is stalled now."""
    if run.state == State.STALLED:
        return True
    late = lease.rows().filter(state=State.RUNNING, stall_at__lt=now).update(state=State.STALLED)
    if late:
        logger.warning("Run %s stalled after %s polls", run.pk, run.poll_count)
    return bool(late)


def _schedule(lease: Lease, when: datetime, **seen) -> datetime | None:
    if not lease.release(next_poll_at=when, **seen):
        return None  # the lease ran out and another job took over: it schedules
    return when


def _poll_failed(run: Run, lease: Lease, exc: A1Error, now: datetime):
    errors = min(run.poll_errors + 1, 10)
    _stall_if_late(run, lease, now)
    wait = poll_interval(age=timedelta(0), errors=errors, stalled=False)
    if exc.code == Code.RATE_LIMITED:
        # Every poller slows down, not just this one.
        cache.set(BACKOFF_KEY, now + wait, timeout=int(wait.total_seconds()) + 1)
    logger.warning("Polling run %s failed (%s); next try in %s", run.pk, exc, wait)
    return _schedule(lease, now + wait, poll_errors=errors)


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


# --- copying results ---------------------------------------------------------------


@dataclass
class Fetched:
    """One result downloaded and checked in a copying thread; saved by the poller."""

    result: ResultImage
    content: bytes = b""
    thumbnail: bytes = b""
    format: str = ""
    size: tuple[int, int] = (0, 0)
    error: A1Error | Exception | None = None


def _copy_pending(run: Run, lease: Lease) -> datetime | None:
    """Copy every result not yet in our storage, in parallel; finish when all are settled.

    Downloads and thumbnails run in threads (network and decoding, no database); the
    rows are written here as each finishes, and each finished copy renews the lease, so
    a slow burst of large images never lets a second worker start the same copy.
    """
    pending = list(ResultImage.objects.filter(run_id=run.pk, file="", expired=False))
    futures = [_copy_pool().submit(_fetch, result) for result in pending]
    storage_away = False
    for future in as_completed(futures):
        storage_away |= not _store(future.result())
        if not lease.renew():
            logger.warning("Lost the lease on %s while copying", run.pk)
            for other in futures:
                other.cancel()
            return None
    if storage_away:
        # The run stays copying, its points held; it completes once storage is back.
        errors = min(run.poll_errors + 1, 10)
        wait = timedelta(seconds=min(2 ** (errors - 1), STORAGE_RETRY_MAX_SECONDS))
        logger.warning("Run %s: our storage is unavailable; copying again in %s", run.pk, wait)
        return _schedule(lease, timezone.now() + wait, poll_errors=errors)
    results = list(ResultImage.objects.filter(run_id=run.pk))
    if all(r.settled for r in results):
        with transaction.atomic():
            ended = (
                lease.rows()
                .filter(state=State.COPYING)
                .update(
                    **RELEASED,
                    state=State.COMPLETED,
                    finished_at=timezone.now(),
                    points_spent=F("points_quoted"),
                    next_poll_at=None,
                )
            )
            if ended:
                ledger_spend(run_id=run.pk, points=run.points_quoted)
        if ended:
            _count_completed(run)
        webhooks.run_ended(run_id=run.pk)
        return None
    attempts = max(r.copy_attempts for r in results if not r.settled)
    return _schedule(lease, timezone.now() + timedelta(seconds=min(2**attempts, 300)))


def _count_completed(run: Run) -> None:
    """A completed run, and how long its results took to reach us after A1 finished."""
    metrics.runs_finished.labels(run.kind, State.COMPLETED).inc()
    # Read again: the poll that saw the task complete wrote A1's answer after `run` was read.
    answer = Run.objects.filter(pk=run.pk).values_list("upstream_response", flat=True).first()
    finished = Task.from_json(answer or {}).finished_at
    if finished is not None:
        metrics.copy_seconds.observe(max(0.0, (timezone.now() - finished).total_seconds()))


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _copy_pool() -> ThreadPoolExecutor:
    """One pool per worker process: its threads keep their A1 connections between polls."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(settings.RESULT_COPY_THREADS, thread_name_prefix="copy")
        return _pool


def _fetch(result: ResultImage) -> Fetched:
    """Download one result and make its thumbnail (in a copying thread: no database)."""
    fetched = Fetched(result)
    try:
        content = a1_client().download(result.upstream_url)
        with Image.open(io.BytesIO(content)) as image:
            fetched.format, fetched.size = (image.format or "JPEG").upper(), image.size
            fetched.thumbnail = _thumbnail(image)  # decodes the data: it proves it is whole
        fetched.content = content
    except (A1Error, UnidentifiedImageError, OSError, ValueError) as exc:
        fetched.error = exc
    return fetched


def _store(fetched: Fetched) -> bool:
    """Keep one fetched result; False when our storage refused it (tried again later)."""
    result = fetched.result
    attempts = result.copy_attempts + 1
    exc = fetched.error
    if isinstance(exc, A1Error):
        gone = exc.code == Code.LINK_EXPIRED
        gave_up = not gone and attempts >= MAX_COPY_ATTEMPTS
        error = f"gave up after {attempts} attempts: {exc}" if gave_up else str(exc)
        _note_failure(result, attempts, gone or gave_up, error)
        logger.warning("Copying result %s failed: %s", result.pk, exc)
        return True
    if exc is not None:
        # The same bytes will not become an image: give up after a few tries.
        _note_failure(
            result, attempts, attempts >= 3, f"not a readable image: {type(exc).__name__}"
        )
        return True
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(fetched.format, "img")
    # Written before the row's update: intents (committed first) remove them after the
    # queue's grace if that update never comes (the database went away in between).
    files_intend(
        [
            file_target(field=result.file, name=f"{result.pk}.{ext}"),
            file_target(field=result.thumbnail, name=f"{result.pk}.thumb.webp"),
        ]
    )
    try:
        file_store(field=result.file, name=f"{result.pk}.{ext}", content=fetched.content)
        try:
            file_store(
                field=result.thumbnail, name=f"{result.pk}.thumb.webp", content=fetched.thumbnail
            )
        except StorageUnavailable:
            file_discard(field=result.file)
            raise
    except StorageUnavailable:
        # Our own storage, not A1's link: not an attempt, never a reason to give up.
        result.last_error = "our storage is unavailable; the copy is retried"
        ResultImage.objects.filter(pk=result.pk).update(last_error=result.last_error)
        return False
    result.format, (result.width, result.height) = fetched.format, fetched.size
    result.byte_size = len(fetched.content)
    result.copied_at = timezone.now()
    result.copy_attempts, result.last_error = attempts, ""
    fields = ("file", "thumbnail", "format", "width", "height", "byte_size", "copied_at")
    saved = ResultImage.objects.filter(pk=result.pk).update(
        **{name: getattr(result, name) for name in (*fields, "copy_attempts", "last_error")}
    )
    if not saved:
        # The run was removed (its person erased) while this copy ran: keep no file of it.
        result.file.storage.delete(result.file.name or "")
        result.thumbnail.storage.delete(result.thumbnail.name or "")
    files_kept([result.file.name or "", result.thumbnail.name or ""])
    return True


def _note_failure(result: ResultImage, attempts: int, expired: bool, error: str) -> None:
    result.copy_attempts, result.expired, result.last_error = attempts, expired, error[:300]
    result.save(update_fields=["copy_attempts", "expired", "last_error"])


def _thumbnail(image: Image.Image) -> bytes:
    """A small WebP for grids. JPEGs are decoded at reduced scale (draft mode): about
    ten times less work than decoding a megapixel to throw most of it away."""
    orientation = image.getexif().get(0x0112, 1)
    image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    if orientation not in (0, 1):
        image = ImageOps.exif_transpose(image)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "WEBP", quality=70, method=3)
    return buffer.getvalue()


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
    *, worker: str, sending_items: Collection[int] = (), now: datetime | None = None
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
    off with the job, their thread is still uploading or waiting for A1's answer.
    """
    if not worker:
        return 0
    now = now or timezone.now()
    mine = Q(claimed_by=worker, claimed_until__gt=now)
    sending = BatchItem.objects.filter(pk__in=list(sending_items)).values("run_id")
    _settle_died_submissions(Run.objects.filter(mine).exclude(pk__in=sending))
    queued = 0
    for pk in Run.objects.filter(mine, state__in=IN_FLIGHT).values_list("pk", flat=True):
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
