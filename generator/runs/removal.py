"""Removing runs, photos and results for good: the one path retention and erasure share.

Rows go first, in one short transaction that also writes what they leave behind: the
files no other row uses (`FileRemoval`). What the runs cost is not theirs to keep: it
stays in the ledger (generator/money/ledger.py), whose entries outlive the runs. The files are deleted from storage afterwards, and their queue
rows with them. A process killed at any point leaves either the whole transaction or
none of it, plus at most a queue of files that the next run deletes: each thing is
removed, and counted, once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

from generator.files.queue import CHUNK, chunks, files_release
from generator.models import InputImage, ResultImage, Run
from generator.runs.photo_owners import photos_leaving
from generator.runs.tracking import poll_run

logger = logging.getLogger(__name__)


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


# --- files ---------------------------------------------------------------------------


# --- runs, photos, results -----------------------------------------------------------


def _run_file_names(run_ids: list) -> tuple[set[str], int, int]:
    photos = list(photos_leaving(runs=run_ids).values_list("file", flat=True))
    results = list(ResultImage.objects.filter(run__in=run_ids).values_list("file", "thumbnail"))
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
        runs = Run.objects.filter(pk__in=list(ids))
        if only is not None:
            runs = runs.filter(only)
        run_ids = list(runs.select_for_update(skip_locked=not wait).values_list("pk", flat=True))
        if not run_ids:
            return removed
        names, photos, results = _run_file_names(run_ids)
        task_records_forget(run_ids=run_ids)
        admin_log_forget(model=Run, ids=run_ids)
        photos_leaving(runs=run_ids).delete()  # the rule's rows, not whatever cascades
        Run.objects.filter(pk__in=run_ids).delete()
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
            # In pk order, as photo_owners.photos_taking locks: a copy and a removal of
            # the same photos never deadlock.
            photos.select_for_update(skip_locked=not wait, of=("self",))
            .order_by("pk")
            .values_list("pk", "file", "run_id")[:limit]
        )
        if not rows:
            return removed
        InputImage.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        runs = {run for _, _, run in rows if run}
        Run.objects.filter(pk__in=runs, inputs_removed_at__isnull=True).update(
            inputs_removed_at=now
        )
        Run.objects.filter(pk__in=runs).touch()  # cards showed these photos
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
                "pk", "file", "thumbnail", "run_id"
            )[:limit]
        )
        if not rows:
            return removed
        ResultImage.objects.filter(pk__in=[row[0] for row in rows]).delete()
        Run.objects.filter(pk__in={row[3] for row in rows}, results_removed_at__isnull=True).update(
            results_removed_at=now
        )
        Run.objects.filter(pk__in={row[3] for row in rows}).touch()
        removed.add("results", len(rows))
        files_release(n for row in rows for n in row[1:3])
    return removed


# --- what refers to removed rows --------------------------------------------------------


def task_records_forget(*, run_ids: list) -> int:
    """Delete the worker's job records for these runs (their arguments are the run ids)."""
    path = poll_run.module_path
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
