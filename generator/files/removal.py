"""Removing runs, photos and results for good: the one path retention and erasure share.

Rows go first, in one short transaction that also writes what they leave behind: the
files no other row uses (`FileRemoval`). What the runs cost is not theirs to keep: it
stays in the ledger (services/ledger.py), whose entries outlive the runs. The files are deleted from storage afterwards, and their queue
rows with them. A process killed at any point leaves either the whole transaction or
none of it, plus at most a queue of files that the next run deletes: each thing is
removed, and counted, once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from generator.models import FileRemoval, Generation, InputImage, ResultImage
from generator.runs.photo_owners import photos_leaving
from generator.runs.tracking import poll_generation

logger = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) list: well inside every database's parameter limit


@dataclass
class Removed:
    """What one removal did, by kind (the keys staff see in the removal log)."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, n: int) -> None:
        if n:
            self.counts[kind] += n

    def merge(self, other: Removed) -> None:
        for kind, n in other.counts.items():
            self.add(kind, n)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- files ---------------------------------------------------------------------------


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
    queue = FileRemoval.objects.order_by("pk")
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
def remove_pending_files() -> int:
    """Delete every queued file (after an erasure too large to finish while waited on)."""
    return files_remove_all_pending()


# --- runs, photos, results -----------------------------------------------------------


def _run_file_names(run_ids: list) -> tuple[set[str], int, int]:
    photos = list(photos_leaving(runs=run_ids).values_list("file", flat=True))
    results = list(
        ResultImage.objects.filter(generation__in=run_ids).values_list("file", "thumbnail")
    )
    names = set(photos) | {n for pair in results for n in pair}
    return names, len(photos), len(results)


def runs_remove(*, ids: Iterable, only: Q | None = None, wait: bool = False) -> Removed:
    """Delete these runs with their photos and results, in one transaction.

    `only` re-checks the reason at the moment of deletion (still in the trash, say), so
    a run restored meanwhile stays. Rows are locked first, so two removals running at
    once never record one run's points twice: rows another transaction holds are
    skipped (the next batch or run takes them), or waited for with `wait` (erasure,
    which must not leave one behind). What the runs cost stays in the ledger, which
    outlives them.
    """
    removed = Removed()
    with transaction.atomic():
        runs = Generation.objects.filter(pk__in=list(ids))
        if only is not None:
            runs = runs.filter(only)
        run_ids = list(runs.select_for_update(skip_locked=not wait).values_list("pk", flat=True))
        if not run_ids:
            return removed
        names, photos, results = _run_file_names(run_ids)
        task_records_forget(run_ids=run_ids)
        admin_log_forget(model=Generation, ids=run_ids)
        photos_leaving(runs=run_ids).delete()  # the rule's rows, not whatever cascades
        Generation.objects.filter(pk__in=run_ids).delete()
        removed.add("runs", len(run_ids))
        removed.add("photos", photos)
        removed.add("results", results)
        files_release(names)
    return removed


def photos_remove(
    *, photos: models.QuerySet, now, limit: int | None = CHUNK, wait: bool = False
) -> Removed:
    """Delete up to `limit` of these photo rows (None: all); their runs say when their
    photos went. Which rows: ask photo_owners.photos_leaving, the rule's one owner.
    Locked rows are skipped, or waited for with `wait` (as in runs_remove)."""
    removed = Removed()
    with transaction.atomic():
        rows = list(
            photos.select_for_update(skip_locked=not wait, of=("self",)).values_list(
                "pk", "file", "generation_id"
            )[:limit]
        )
        if not rows:
            return removed
        InputImage.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        runs = {run for _, _, run in rows if run}
        Generation.objects.filter(pk__in=runs, inputs_removed_at__isnull=True).update(
            inputs_removed_at=now
        )
        Generation.objects.filter(pk__in=runs).touch()  # cards showed these photos
        removed.add("photos", len(rows))
        files_release(name for _, name, _ in rows)
    return removed


def results_remove(*, results: models.QuerySet, now, limit: int | None = CHUNK) -> Removed:
    """Delete up to `limit` of these result rows (None: all); their runs say when their
    images went."""
    removed = Removed()
    with transaction.atomic():
        rows = list(
            results.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", "file", "thumbnail", "generation_id"
            )[:limit]
        )
        if not rows:
            return removed
        ResultImage.objects.filter(pk__in=[row[0] for row in rows]).delete()
        Generation.objects.filter(
            pk__in={row[3] for row in rows}, results_removed_at__isnull=True
        ).update(results_removed_at=now)
        Generation.objects.filter(pk__in={row[3] for row in rows}).touch()
        removed.add("results", len(rows))
        files_release(n for row in rows for n in row[1:3])
    return removed


# --- what refers to removed rows --------------------------------------------------------


def task_records_forget(*, run_ids: list) -> int:
    """Delete the worker's job records for these runs (their arguments are the run ids)."""
    path = poll_generation.module_path
    deleted = 0
    for part in chunks(str(pk) for pk in run_ids):
        deleted += DBTaskResult.objects.filter(
            task_path=path, args_kwargs__args__0__in=part
        ).delete()[0]
    return deleted


def admin_log_forget(*, model: type[models.Model], ids: list) -> int:
    """Delete the admin's history of these objects: it repeats their names and changes."""
    content_type = ContentType.objects.get_for_model(model)
    deleted = 0
    for part in chunks(str(pk) for pk in ids):
        deleted += LogEntry.objects.filter(content_type=content_type, object_id__in=part).delete()[
            0
        ]
    return deleted
