"""The file queue: stored files whose rows are gone, deleted from storage once nothing refers to them.

A file is queued (`files_release`) in the transaction that deletes its last row, and
deleted from storage afterwards (`files_remove_pending`): a process stopped in between
leaves the queue, which the next run finishes. Every path that deletes rows with files
(runs, photos, results, exports, erasure) releases them here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from common import metrics
from common.tracing import traced_job
from generator.models import FileRemoval

logger = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) list: well inside every database's parameter limit
# How long a file being written may wait for its row before it counts as left behind:
# far longer than any write and save (storage calls time out within a minute).
WRITE_GRACE = timedelta(minutes=15)


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def file_fields() -> list[tuple[type[models.Model], str]]:
    """Every file field of every model: (model, field name). New models are found
    here without being listed, so removal and `storage_check` always know them."""
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.get_fields()
        if isinstance(f, models.FileField)
    ]


def files_in_use(names: Iterable[str]) -> set[str]:
    """The names among these that some row still points at."""
    wanted = [n for n in set(names) if n]
    used: set[str] = set()
    for model, name in file_fields():
        for part in chunks(wanted):
            used.update(
                model._default_manager.filter(**{f"{name}__in": part}).values_list(name, flat=True)
            )
    return used


def files_release(names: Iterable[str]) -> int:
    """Queue for deletion the files no row uses any more.

    Call it inside the transaction that deleted the rows, so the queue and the deletion
    commit together. Returns how many were queued.
    """
    names = {n for n in names if n}
    free = names - files_in_use(names)
    FileRemoval.objects.bulk_create(
        [FileRemoval(name=n) for n in sorted(free)], ignore_conflicts=True
    )
    return len(free)


def files_intend(names: Iterable[str], *, now=None) -> None:
    """Before writing files whose rows are saved afterwards: say so, in a row of the
    removal queue that is not due before WRITE_GRACE has passed.

    Call it outside any transaction (as every request and job is), so the intent
    commits on its own whatever becomes of the work after it: a file whose row never
    comes (the database went away before the save, the process died in between) is
    removed by the queue once due (`files_remove_pending` keeps a file a row names).
    Raises while the database is away, before anything is written."""
    due = (now or timezone.now()) + WRITE_GRACE
    names = sorted({n for n in names if n})
    # A write tried again (a copy after storage came back) moves its intent on.
    FileRemoval.objects.filter(name__in=names, due__isnull=False).update(due=due)
    FileRemoval.objects.bulk_create(
        [FileRemoval(name=n, due=due) for n in names], ignore_conflicts=True
    )


def files_kept(names: Iterable[str]) -> None:
    """The rows naming these files are saved: their intents go. Never raises: an intent
    left (the database went away just now) is dropped by the queue, the file kept."""
    with contextlib.suppress(DatabaseError):
        FileRemoval.objects.filter(name__in=[n for n in names if n], due__isnull=False).delete()


def files_remove_pending(
    *,
    limit: int = CHUNK,
    names: Iterable[str] | None = None,
    record: Callable[[int], None] | None = None,
) -> int:
    """Delete queued files from storage, then their queue rows; returns how many went.

    A file taken up again meanwhile (a remix of a run being removed) is kept and leaves
    the queue. A file the storage would not delete stays queued for the next run.
    `record(n)` runs in the transaction that deletes the queue rows, so a log kept by
    it counts each file once however the process is stopped.
    """
    queue = FileRemoval.objects.filter(Q(due__isnull=True) | Q(due__lte=timezone.now()))
    queue = queue.order_by("pk")
    if names is not None:
        queue = queue.filter(name__in=list(names))
    batch = list(queue.values_list("pk", "name")[:limit])
    if not batch:
        return 0
    in_use = files_in_use(name for _, name in batch)
    done = []
    for pk, name in batch:
        if name not in in_use:
            try:
                default_storage.delete(name)
            except Exception:
                # The storage is down or refused: the file stays queued and is tried again.
                logger.exception("Could not delete stored file %s", name)
                metrics.storage_errors.labels("delete").inc()
                continue
        done.append(pk)
    # Counted by the rows this process deleted, so two processes never count one file twice.
    with transaction.atomic():
        removed = FileRemoval.objects.filter(pk__in=done).delete()[0]
        if record is not None:
            record(removed)
    return removed


def files_remove_all_pending(
    *, names: Iterable[str] | None = None, record: Callable[[int], None] | None = None
) -> int:
    removed = 0
    while n := files_remove_pending(names=names, record=record):
        removed += n
    return removed


@task()
@traced_job
def remove_pending_files() -> int:
    """Delete every queued file that is due: after an erasure too large to finish while
    waited on, and every few minutes (ops/chores.py) for files whose rows never came."""
    return files_remove_all_pending()
