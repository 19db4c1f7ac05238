"""When to ask A1 about a task for the first time: after the app's usual duration.

A1's document asks for about 5 s before the first task query, then polling. A fixed 5 s
then one query per `A1_POLL_INTERVAL` sees a 7.5 s task at 8 s (one interval late, in
the worst case). Instead the first query waits for the app's usual duration: the median
of the last `SAMPLES` tasks of that app (and kind) that we saw complete, never less than
the documented 5 s. Later queries keep the interval (`poll_interval`), so we never ask
more often than before: a task seen on time costs one query instead of several.

A duration is A1's own (its task's `finishDate` minus `createDate`, both on A1's clock),
so our polling lag never feeds back into the estimate. When A1 gives no dates, a task
seen complete on a later query is counted as the middle of the last interval (the first
query says only "done by then", so it is left out). The samples live in the cache (Redis
shared by every worker; without Redis each worker learns its own); when the cache has
none for an app they are read once from its last completed runs (A1's answer is kept on
each run), so a restart or a lost cache costs one query, not a week of 5 s first polls.
A fresh database knows an app once its first task completes.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache

from a1 import Task
from generator.models import Run

FIRST_POLL_AFTER = timedelta(seconds=5)  # A1's document: ~5 s before the first query
FIRST_POLL_MOST = timedelta(minutes=2)  # a slow app's estimate is still checked this soon
MARGIN = timedelta(seconds=0.1)  # A1's clock and our jobs' pick-up: just after, not before
SAMPLES = 15
KEEP = 7 * 24 * 3600


def _key(*, kind: str, app_id: str) -> str:
    return f"a1-task-seconds:{kind}:{app_id}"


def _a1_seconds(task: Task) -> float | None:
    begun = task.created_at or task.started_at
    if begun is None or task.finished_at is None:
        return None
    return (task.finished_at - begun).total_seconds()


def _samples(*, kind: str, app_id: str) -> list[float]:
    """The app's recent durations: from the cache, else from its last completed runs."""
    key = _key(kind=kind, app_id=app_id)
    samples = cache.get(key)
    if samples is None:
        answers = (
            Run.objects.filter(app_id=app_id, kind=kind, state=Run.State.COMPLETED)
            .exclude(finished_at=None)
            .order_by("-finished_at")
            .values_list("upstream_response", flat=True)[:SAMPLES]
        )
        found = (_a1_seconds(Task.from_json(answer or {})) for answer in reversed(answers))
        samples = [round(seconds, 3) for seconds in found if seconds and seconds > 0]
        cache.set(key, samples, KEEP)
    return samples


def task_seconds_note(
    *,
    kind: str,
    app_id: str,
    task: Task,
    submitted_at: datetime | None,
    seen_at: datetime,
    polls: int,
) -> float | None:
    """Keep how long this completed task took at A1 among its app's recent samples."""
    seconds = _a1_seconds(task)
    if seconds is None and submitted_at is not None and polls > 1:
        seconds = (seen_at - submitted_at).total_seconds() - settings.A1_POLL_INTERVAL / 2
    if seconds is None or seconds <= 0:
        return None
    samples = [*_samples(kind=kind, app_id=app_id), round(seconds, 3)][-SAMPLES:]
    cache.set(_key(kind=kind, app_id=app_id), samples, KEEP)
    return seconds


def first_poll_after(*, kind: str, app_id: str) -> timedelta:
    """How long after A1 accepted a task to ask about it first (see the module's text)."""
    samples = _samples(kind=kind, app_id=app_id)
    if not samples:
        return FIRST_POLL_AFTER
    usual = timedelta(seconds=statistics.median(samples)) + MARGIN
    return min(max(usual, FIRST_POLL_AFTER), FIRST_POLL_MOST)
