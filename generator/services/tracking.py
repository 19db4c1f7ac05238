"""Following a generation after submission: polling A1, copying results, resuming.

Only the worker calls these (the web process only reads the rows). Each poll first
claims the generation with a conditional UPDATE on `next_poll_at`, so however many
jobs or workers ask, A1 is queried at most once per interval per task.
"""

from __future__ import annotations

import io
import logging
import statistics
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from ..a1 import A1Error, Code, TaskState
from ..models import Generation, ResultImage
from .apps import a1_client

logger = logging.getLogger(__name__)

SUBMIT_ABANDONED = timedelta(minutes=10)
MAX_COPY_ATTEMPTS = 40
THUMBNAIL_SIDE = 320  # grid cards are 200-260 px wide
BACKOFF_KEY = "a1-backoff-until"
IN_FLIGHT = Generation.IN_FLIGHT


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


def _claim(generation_id, now: datetime) -> Generation | None:
    """Take the right to poll this generation now, or None if it is not due / not ours."""
    claimed = Generation.objects.filter(
        pk=generation_id, state__in=IN_FLIGHT, next_poll_at__lte=now
    ).update(
        next_poll_at=now + timedelta(seconds=settings.WORKER_POLL_LEASE),
        poll_count=F("poll_count") + 1,
    )
    if not claimed:
        return None
    return Generation.objects.get(pk=generation_id)


def generation_poll(*, generation_id) -> datetime | None:
    """Do the one due step for a generation; return when to look again (None: nothing)."""
    now = timezone.now()
    generation = _claim(generation_id, now)
    if generation is None:
        return None
    if generation.state == Generation.State.COPYING:
        return _copy_pending(generation)
    backoff_until = cache.get(BACKOFF_KEY)
    if backoff_until and backoff_until > now:
        return _schedule(generation, backoff_until)
    try:
        task = a1_client().task(generation.task_id)
    except A1Error as exc:
        return _poll_failed(generation, exc, now)
    generation.upstream_state = task.raw_state[:16]
    generation.upstream_response = task.raw
    generation.poll_errors = 0
    if task.state is TaskState.COMPLETED:
        if not task.images:
            return _fail(
                generation,
                now,
                "A1 finished the task but sent no image.",
                "A1 完成了任务但没有返回图片。",
            )
        for index, url in enumerate(task.images):
            ResultImage.objects.get_or_create(
                generation=generation, index=index, defaults={"upstream_url": url}
            )
        generation.state = Generation.State.COPYING
        generation.save(
            update_fields=["state", "upstream_state", "upstream_response", "poll_errors"]
        )
        return _copy_pending(generation)
    if task.state is TaskState.FAILED:
        reason = task.fail_reason or "A1 could not generate this image."
        return _fail(generation, now, reason, task.fail_reason or "A1 无法生成这张图片。")
    if (
        generation.state == Generation.State.RUNNING
        and generation.stall_at
        and now > generation.stall_at
    ):
        generation.state = Generation.State.STALLED
        logger.warning("Generation %s stalled after %s polls", generation.id, generation.poll_count)
    age = now - (generation.submitted_at or generation.created)
    stalled = generation.state == Generation.State.STALLED
    return _schedule(generation, now + poll_interval(age=age, errors=0, stalled=stalled))


def _schedule(generation: Generation, when: datetime) -> datetime:
    generation.next_poll_at = when
    generation.save(
        update_fields=[
            "next_poll_at",
            "state",
            "upstream_state",
            "upstream_response",
            "poll_errors",
        ]
    )
    return when


def _poll_failed(generation: Generation, exc: A1Error, now: datetime) -> datetime:
    generation.poll_errors = min(generation.poll_errors + 1, 10)
    if (
        generation.state == Generation.State.RUNNING
        and generation.stall_at
        and now > generation.stall_at
    ):
        generation.state = Generation.State.STALLED
    wait = poll_interval(age=timedelta(0), errors=generation.poll_errors, stalled=False)
    if exc.code == Code.RATE_LIMITED:
        # Every poller slows down, not just this one.
        cache.set(BACKOFF_KEY, now + wait, timeout=int(wait.total_seconds()) + 1)
    logger.warning("Polling generation %s failed (%s); next try in %s", generation.id, exc, wait)
    return _schedule(generation, now + wait)


def _fail(generation: Generation, now: datetime, message: str, message_cn: str) -> None:
    generation.state = Generation.State.FAILED
    generation.finished_at = now
    generation.error_message, generation.error_message_cn = message[:2000], message_cn[:2000]
    generation.points_spent = 0  # failed before producing output: not taken as spent
    generation.next_poll_at = None
    generation.save()
    return None


def _copy_pending(generation: Generation) -> datetime | None:
    """Copy every result not yet in our storage; finish when all are settled."""
    client = a1_client()
    pending = list(generation.results.filter(file="", expired=False))
    for result in pending:
        _copy_one(client, result)
    results = list(generation.results.all())
    if all(r.settled for r in results):
        now = timezone.now()
        generation.state = Generation.State.COMPLETED
        generation.finished_at = now
        generation.points_spent = generation.points_quoted
        generation.next_poll_at = None
        generation.save()
        return None
    attempts = max(r.copy_attempts for r in results if not r.settled)
    return _schedule(generation, timezone.now() + timedelta(seconds=min(2**attempts, 300)))


def _copy_one(client, result: ResultImage) -> None:
    result.copy_attempts += 1
    try:
        content = client.download(result.upstream_url)
        with Image.open(io.BytesIO(content)) as image:
            fmt, size = (image.format or "JPEG").upper(), image.size
            thumbnail = _thumbnail(image)  # decodes the data, so it also proves it is whole
    except A1Error as exc:
        result.last_error = str(exc)[:300]
        if exc.code == Code.LINK_EXPIRED:
            result.expired = True
        elif result.copy_attempts >= MAX_COPY_ATTEMPTS:
            result.expired = True
            result.last_error = f"gave up after {result.copy_attempts} attempts: {exc}"[:300]
        result.save()
        logger.warning("Copying result %s failed: %s", result.id, exc)
        return
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        result.last_error = f"not a readable image: {type(exc).__name__}"
        result.expired = result.copy_attempts >= 3  # the same bytes will not become an image
        result.save()
        return
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}.get(fmt, "img")
    result.file.save(f"{result.id}.{ext}", ContentFile(content), save=False)
    result.thumbnail.save(f"{result.id}.thumb.webp", ContentFile(thumbnail), save=False)
    result.format, (result.width, result.height) = fmt, size
    result.byte_size = len(content)
    result.copied_at = timezone.now()
    result.last_error = ""
    result.save()


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


def generations_due(*, now: datetime | None = None) -> list[str]:
    """In-flight generations whose poll is overdue (their job was lost): to re-enqueue.

    Also marks generations whose submission was interrupted (the web process died
    between saving and sending) as "unknown": they are never re-sent automatically.
    """
    now = now or timezone.now()
    Generation.objects.filter(
        state=Generation.State.SUBMITTING, created__lt=now - SUBMIT_ABANDONED
    ).update(
        state=Generation.State.UNKNOWN,
        error_message="The submission was interrupted before A1 answered.",
        error_message_cn="提交在 A1 回复前被中断。",
    )
    grace = timedelta(seconds=settings.WORKER_RESUME_GRACE)
    overdue = Generation.objects.filter(state__in=IN_FLIGHT).filter(
        next_poll_at__lte=now - grace
    ) | Generation.objects.filter(state__in=IN_FLIGHT, next_poll_at__isnull=True)
    return [str(pk) for pk in overdue.values_list("pk", flat=True)]


def generation_resume(*, generation: Generation) -> Generation:
    """The user asks to keep waiting for a stalled generation."""
    now = timezone.now()
    Generation.objects.filter(pk=generation.pk, state=Generation.State.STALLED).update(
        state=Generation.State.RUNNING,
        stall_at=now + timedelta(seconds=settings.A1_STALL_AFTER),
        next_poll_at=now,
        poll_errors=0,
    )
    generation.refresh_from_db()
    return generation


def app_typical_seconds(*, app_id: str) -> float | None:
    """Median run time of this app's recent completed generations (cached a minute)."""
    key = f"app-duration:{app_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    rows = (
        Generation.objects.filter(
            app_id=app_id, state=Generation.State.COMPLETED, submitted_at__isnull=False
        )
        .order_by("-finished_at")
        .values_list("submitted_at", "finished_at")[:20]
    )
    durations = [(done - start).total_seconds() for start, done in rows if done and start]
    typical = statistics.median(durations) if durations else 0
    cache.set(key, typical, 60)
    return typical or None
