"""Copying a finished run's results into our storage, and completing the run.

A poll that finds A1's task completed hands its run here with the run's lease held
(generator/runs/workers.py `Lease`). Downloads and thumbnails run on the image threads
(`_images`); the rows are written as each image lands, every write conditional on the
lease. The worker's poll job does not wait for a copy (`results_copy_apart`): the copy
goes on a thread of its own, and the job goes on to the next due poll, so a burst of
runs finishing together is copied side by side instead of one after another behind the
worker's single job loop. A copy that must be tried again later queues the run's next
poll itself. Tests and the "check again" path copy in place (`results_copy`).
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
from collections.abc import Callable
from concurrent.futures import as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from a1 import A1Error, Code, Task
from common import metrics, tracing
from common.media import StorageUnavailable, file_discard, file_store, file_target
from common.pools import ProcessPool
from generator.files.queue import files_intend, files_kept
from generator.keys import webhooks
from generator.models import ResultImage, Run
from generator.money.ledger import ledger_spend
from generator.runs.models import THUMBNAIL_SIDE
from generator.runs.upstream import a1_client
from generator.runs.workers import RELEASED, Lease

logger = logging.getLogger(__name__)

MAX_COPY_ATTEMPTS = 40
# A copy that our storage refused is tried again after 1, 2, 4, 8, then every 10 s: a
# run completes within seconds of storage coming back (copies re-download from A1).
STORAGE_RETRY_MAX_SECONDS = 10
State = Run.State


@dataclass
class Fetched:
    """One result downloaded and checked in a copying thread; saved by the poller."""

    result: ResultImage
    content: bytes = b""
    thumbnail: bytes = b""
    format: str = ""
    size: tuple[int, int] = (0, 0)
    error: A1Error | Exception | None = None


def results_copy(*, run: Run, lease: Lease) -> datetime | None:
    """Copy every result not yet in our storage, in parallel; finish when all are settled.

    Downloads and thumbnails run in threads (network and decoding, no database); the
    rows are written here as each finishes, and each finished copy renews the lease, so
    a slow burst of large images never lets a second worker start the same copy.
    """
    pending = list(ResultImage.objects.filter(run_id=run.pk, file="", expired=False))
    futures = [_images.get().submit(_fetch, result) for result in pending]
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
        return lease.schedule(timezone.now() + wait, poll_errors=errors)
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
    return lease.schedule(timezone.now() + timedelta(seconds=min(2**attempts, 300)))


def _count_completed(run: Run) -> None:
    """A completed run, and how long its results took to reach us after A1 finished."""
    metrics.runs_finished.labels(run.kind, State.COMPLETED).inc()
    # Read again: the poll that saw the task complete wrote A1's answer after `run` was read.
    answer = Run.objects.filter(pk=run.pk).values_list("upstream_response", flat=True).first()
    finished = Task.from_json(answer or {}).finished_at
    if finished is not None:
        metrics.copy_seconds.observe(max(0.0, (timezone.now() - finished).total_seconds()))


# One pool per worker process for the images: its threads keep their A1 connections
# between polls.
_images = ProcessPool(size=lambda: settings.RESULT_COPY_THREADS, prefix="copy")


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


# --- copies apart from the poll job ---------------------------------------------------

_runs = ProcessPool(size=lambda: settings.RESULT_COPY_THREADS, prefix="copy-run")
_copying_lock = threading.Lock()
_copying_here: set[str] = set()  # runs whose copy is under way in this process


def results_copy_apart(*, run: Run, lease: Lease, then: Callable[[datetime], None]) -> bool:
    """Copy on a thread of this worker's own and return at once (True); `then(when)`
    queues the run's next poll if the copy has to be tried again later (a link that
    failed, storage away). The lease stays held throughout, so no other job or worker
    starts the same copy; if this process dies, its leases are taken over (workers.py).

    False, and nothing done, when every copying thread is busy: the caller copies in
    place. So no copy waits in a queue (its lease running out meanwhile), and the worker's
    job loop, which takes due jobs by priority (a run started by hand first), decides
    whose copy goes next once the threads are full."""
    parent = tracing.traceparent()
    with _copying_lock:
        if len(_copying_here) >= settings.RESULT_COPY_THREADS:
            return False
        _copying_here.add(str(run.pk))
        _runs.get().submit(_copy_on_thread, run, lease, then, parent)
    return True


def runs_copying_here() -> list[str]:
    """Runs this process is copying (or about to): a worker back from a database outage
    leaves them to their threads (tracking.runs_release_held)."""
    with _copying_lock:
        return list(_copying_here)


def _copy_on_thread(run: Run, lease: Lease, then, parent: str) -> None:
    try:
        if not lease.renew():  # the lease went (a takeover): the copy is someone else's
            return
        with tracing.job_span("copy_results", parent=parent, run_id=str(run.pk)):
            next_at = results_copy(run=run, lease=lease)
        if next_at is not None:
            then(next_at)
    except Exception:
        logger.exception("Copying the results of run %s failed", run.pk)
        # Polled again after a growing wait rather than when the lease runs out (each try
        # downloads the run's images again); with the database away this fails too, and
        # the worker's recovery frees the run.
        with contextlib.suppress(Exception):
            errors = min(run.poll_errors + 1, 10)
            wait = min(settings.A1_POLL_INTERVAL * 2 ** (errors - 1), 300)
            when = timezone.now() + timedelta(seconds=wait)
            if lease.schedule(when, poll_errors=errors) is not None:
                then(when)
    finally:
        with _copying_lock:
            _copying_here.discard(str(run.pk))
        connections.close_all()  # this thread's own connections


def copies_stop() -> None:
    """The worker stops: copies under way finish (each a few images), copies not yet
    started are dropped with their leases, which the worker's end lets others take.
    Returns once no copy or image thread is left. Also the tests' reset between tests."""
    _runs.stop(cancel=True)
    with _copying_lock:
        _copying_here.clear()  # cancelled copies: their leases go with the worker
    _images.stop()  # the image threads too: a new pool takes the settings of its time
