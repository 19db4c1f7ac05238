"""The daily retention job: what is kept, for how long, and the removal when time is up.

Photos go RETAIN_INPUT_DAYS after their run ended, results RETAIN_RESULT_DAYS after
unless the run is a favourite (both off by default), runs in the trash after
TRASH_DAYS, data exports when their link expires, the worker's job records after a
week, expired log-in sessions. Each kind is read in bounded batches outside any
transaction and removed in one short transaction per batch (services/removal.py), so
the job holds no lock for long, can be killed at any point and run again, and removes
each thing once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from common.tracing import traced_job
from generator.audit.models import Act
from generator.audit.record import audit_entry, audit_record_many
from generator.files.queue import files_remove_all_pending
from generator.models import AuditEntry, ResultImage, Run
from generator.runs.photo_owners import photos_leaving
from generator.runs.removal import Removed, photos_remove, results_remove, runs_remove
from lifecycle.exports import exports_remove, exports_stale
from lifecycle.models import RemovalLog

logger = logging.getLogger(__name__)

BATCH = 500
JOB_RECORDS_KEPT = timedelta(days=7)


def ended_before(cutoff: datetime, prefix: str = "") -> Q:
    """Runs that ended before `cutoff`. A run whose outcome never became known
    (`unknown`) ends, for retention, when it was started: nothing more will come."""
    return Q(**{f"{prefix}finished_at__lt": cutoff}) | Q(
        **{f"{prefix}state": Run.State.UNKNOWN, f"{prefix}created__lt": cutoff}
    )


@dataclass
class Rule:
    """One line of the retention policy, for the staff page."""

    what: str
    kept: str
    setting: str


def retention_rules() -> list[Rule]:
    """The policy in force, in words (read-only: it is set in the environment)."""
    inputs, results = settings.RETAIN_INPUT_DAYS, settings.RETAIN_RESULT_DAYS
    forever = _("Kept until the run is deleted and its trash period is over.")
    days_after = ngettext(
        "Removed %(days)d day after their run ends.",
        "Removed %(days)d days after their run ends.",
        inputs,
    )
    days_after_unless = ngettext(
        "Removed %(days)d day after their run ends, unless it is a favourite.",
        "Removed %(days)d days after their run ends, unless it is a favourite.",
        results,
    )
    trash = ngettext(
        "Restorable for %(days)d day, then removed with their photos and results.",
        "Restorable for %(days)d days, then removed with their photos and results.",
        settings.TRASH_DAYS,
    )
    exports = ngettext(
        "Downloadable for %(hours)d hour, then removed.",
        "Downloadable for %(hours)d hours, then removed.",
        settings.EXPORT_KEEP_HOURS,
    )
    return [
        Rule(
            _("Photos people give"),
            days_after % {"days": inputs} if inputs else forever,
            "RETAIN_INPUT_DAYS",
        ),
        Rule(
            _("Result images"),
            days_after_unless % {"days": results} if results else forever,
            "RETAIN_RESULT_DAYS",
        ),
        Rule(_("Deleted runs (the trash)"), trash % {"days": settings.TRASH_DAYS}, "TRASH_DAYS"),
        Rule(
            _("Data exports"),
            exports % {"hours": settings.EXPORT_KEEP_HOURS},
            "EXPORT_KEEP_HOURS",
        ),
        Rule(_("Photos of forms never submitted"), _("Removed a day after they were given."), ""),
        Rule(_("Expired log-in sessions"), _("Removed by the next daily run."), ""),
        Rule(
            _("The audit log"),
            ngettext(
                "Each entry is kept %(days)d day, then removed.",
                "Each entry is kept %(days)d days, then removed.",
                settings.AUDIT_DAYS,
            )
            % {"days": settings.AUDIT_DAYS}
            if settings.AUDIT_DAYS
            else _("Kept forever."),
            "AUDIT_DAYS",
        ),
        Rule(
            _("The worker's job records"),
            _("Removed %(days)d days after the job ended.") % {"days": JOB_RECORDS_KEPT.days},
            "",
        ),
    ]


Work = Callable[[], Removed]
# One batch: the work to do in a transaction (None: nothing in this batch), and whether
# it was the last. The batch is read outside any transaction, so a day with little to
# remove takes no write lock for the runs it only reads past.
Step = Callable[[], tuple[Work | None, bool]]


def _runs_paged(
    runs: QuerySet, when: str, batch: int, prepare: Callable[[list], Work | None]
) -> Step:
    """Batches of `runs` in `when` order (an indexed date), each starting where the last
    stopped: runs with nothing left to remove are read past once per job, not once per
    batch, and each batch touches rows written at about the same time (the same pages)."""
    cursor: tuple[Any, Any] | None = None  # (when, pk) of the last row done

    def step() -> tuple[Work | None, bool]:
        nonlocal cursor
        page = runs.order_by(when, "pk")
        if cursor is not None:
            after = Q(**{f"{when}__gt": cursor[0]}) | Q(**{when: cursor[0], "pk__gt": cursor[1]})
            page = page.filter(after)
        rows = list(page.values_list(when, "pk")[:batch])
        if not rows:
            return None, True
        cursor = rows[-1]
        return prepare([pk for _, pk in rows]), False

    return step


def _paged(rows: QuerySet, batch: int, remove: Callable[[QuerySet], Removed]) -> Step:
    """Batches of `rows` by primary key (small tables: exports, sessions, job records)."""
    cursor: Any = None  # the last primary key done

    def step() -> tuple[Work | None, bool]:
        nonlocal cursor
        page = rows.order_by("pk") if cursor is None else rows.filter(pk__gt=cursor).order_by("pk")
        ids = list(page.values_list("pk", flat=True)[:batch])
        if not ids:
            return None, True
        cursor = ids[-1]
        return partial(remove, rows.filter(pk__in=ids)), False

    return step


def _ended(cutoff: datetime, batch: int, prepare: Callable[[list], Work | None]) -> list[Step]:
    """Runs that ended before `cutoff`, by end; then runs whose outcome never became
    known, by start (see ended_before)."""
    unknown = Run.objects.filter(
        finished_at__isnull=True, state=Run.State.UNKNOWN, created__lt=cutoff
    )
    return [
        _runs_paged(Run.objects.filter(finished_at__lt=cutoff), "finished_at", batch, prepare),
        _runs_paged(unknown, "created", batch, prepare),
    ]


def _steps(now: datetime, batch: int) -> list[tuple[str, Step]]:
    steps: list[tuple[str, Step]] = []
    if settings.RETAIN_INPUT_DAYS:
        cutoff = now - timedelta(days=settings.RETAIN_INPUT_DAYS)

        def photos(runs: list) -> Work | None:
            # The runs' own rows (photo_owners.py): a copy a later remix made stays with
            # that run, and the file with it.
            due = photos_leaving(runs=runs)
            ids = list(due.values_list("pk", flat=True))
            if not ids:
                return None
            return partial(photos_remove, photos=due.filter(pk__in=ids), now=now, limit=None)

        steps += [("photos", step) for step in _ended(cutoff, batch, photos)]
    if settings.RETAIN_RESULT_DAYS:
        cutoff = now - timedelta(days=settings.RETAIN_RESULT_DAYS)
        due_results = ResultImage.objects.filter(
            ended_before(cutoff, "run__"), run__favourite=False
        )

        def results(runs: list) -> Work | None:
            ids = list(due_results.filter(run__in=runs).values_list("pk", flat=True))
            if not ids:
                return None
            kept = due_results.filter(pk__in=ids)
            return partial(results_remove, results=kept, now=now, limit=None)

        steps += [("results", step) for step in _ended(cutoff, batch, results)]
    in_trash = Q(deleted_at__lt=now - timedelta(days=settings.TRASH_DAYS))

    def trash(runs: list) -> Work:
        return partial(_trash_purge, ids=runs, only=in_trash)

    trashed = Run.objects.filter(in_trash)
    steps.append(("trash", _runs_paged(trashed, "deleted_at", batch, trash)))
    stale = exports_stale(now=now)
    steps.append(("exports", _paged(stale, batch, lambda rows: exports_remove(exports=rows))))
    old_jobs = DBTaskResult.objects.finished().filter(finished_at__lt=now - JOB_RECORDS_KEPT)
    steps.append(("job records", _paged(old_jobs, batch, partial(_delete, "job records"))))
    expired = Session.objects.filter(expire_date__lt=now)
    steps.append(("sessions", _paged(expired, batch, partial(_delete, "expired sessions"))))
    if settings.AUDIT_DAYS:
        aged = AuditEntry.objects.filter(at__lt=now - timedelta(days=settings.AUDIT_DAYS))
        steps.append(("audit", _paged(aged, batch, partial(_delete, "audit entries"))))
    return steps


def _trash_purge(*, ids: list, only: Q) -> Removed:
    """Runs past their time in the trash go for good; the audit log says whose, and how
    many, in the same transaction."""
    owners: dict = {}
    for run in Run.objects.filter(only, pk__in=ids).select_related("user", "team"):
        owners.setdefault(run.user_id, [run.user, 0])[1] += 1
    removed = runs_remove(ids=ids, only=only)
    audit_record_many(
        [
            audit_entry(act=Act.TRASH_PURGED, subject=user, after={"runs": count})
            for user, count in owners.values()
        ]
    )
    return removed


def _delete(kind: str, rows: QuerySet) -> Removed:
    """Rows nothing else points at: expired sessions, the worker's finished job records
    (their arguments name runs, their tracebacks may quote data; nothing reads them)."""
    removed = Removed()
    removed.add(kind, rows.delete()[0])
    return removed


def retention_sweep(*, now: datetime | None = None, batch: int = BATCH) -> RemovalLog:
    """Remove everything past its time, batch by batch, and log what went.

    Each batch's counts are written to the log in the transaction that removes it (and
    each file's when its queue row goes), so however the job is stopped the logs count
    everything once; a stopped run shows no end time, and the next carries on.
    """
    now = now or timezone.now()
    clock = time.monotonic()
    log = RemovalLog.objects.create(job=RemovalLog.Job.RETENTION, started_at=now)
    tally, longest = Removed(), 0.0

    def save() -> None:
        RemovalLog.objects.filter(pk=log.pk).update(
            counts=dict(tally.counts), longest_batch_ms=round(longest * 1000)
        )

    def files_done(n: int) -> None:
        tally.add("files", n)
        save()

    files_remove_all_pending(record=files_done)  # left by a run stopped halfway
    for _name, step in _steps(now, batch):
        done = False
        while not done:
            work, done = step()
            if work is None:
                continue
            started = time.monotonic()
            with transaction.atomic():
                tally.merge(work())
                save()
            longest = max(longest, time.monotonic() - started)
            files_remove_all_pending(record=files_done)
    save()
    finished = now + timedelta(seconds=time.monotonic() - clock)
    RemovalLog.objects.filter(pk=log.pk).update(finished_at=finished)
    log.refresh_from_db()
    return log


@task()
@traced_job
def apply_retention() -> dict:
    """The daily chore (ops/chores.py): what is past its time is removed."""
    log = retention_sweep()
    if log.total:
        logger.info("Retention removed %s", dict(log.counts))
    return dict(log.counts)
