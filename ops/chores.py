"""Periodic work: each chore runs once per period across all workers.

Every worker's sweep calls `chores_enqueue_due`; a conditional UPDATE on the chore's
`next_run` decides which worker queues it, so two workers never run the same chore
twice in a period and a chore whose worker died is taken up in the next period.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.tasks import Task
from django.utils import timezone

from generator.approvals.decisions import expire_approvals
from generator.batches.checking import purge_stale_drafts
from generator.files.queue import remove_pending_files
from generator.galleries.pages import prune_gallery_stamps
from generator.keys.webhooks import resume_webhooks
from generator.money.alerts import check_spend_alerts
from generator.money.ledger import mend_ledger_months
from generator.runs.photos import purge_staged_photos
from generator.schedules.models import Chore
from library.watch import watch_library
from lifecycle.retention import apply_retention

# name -> (period, task). Add a chore here and it runs everywhere.
CHORES: dict[str, tuple[timedelta, Task[[], Any]]] = {
    "purge_staged_photos": (timedelta(hours=1), purge_staged_photos),
    "purge_stale_drafts": (timedelta(hours=1), purge_stale_drafts),
    "prune_gallery_stamps": (timedelta(minutes=5), prune_gallery_stamps),
    "remove_pending_files": (timedelta(minutes=5), remove_pending_files),
    "resume_webhooks": (timedelta(minutes=1), resume_webhooks),
    "spend_alerts": (timedelta(minutes=1), check_spend_alerts),
    "expire_approvals": (timedelta(minutes=1), expire_approvals),
    "watch_library": (timedelta(days=1), watch_library),
    "retention": (timedelta(days=1), apply_retention),
    "mend_ledger_months": (timedelta(days=1), mend_ledger_months),
}


def chores_enqueue_due(*, now=None) -> list[str]:
    """Queue every chore whose time has come; returns the names queued."""
    now = now or timezone.now()
    queued = []
    for name, (period, chore_task) in CHORES.items():
        # get_or_create retries the get when two workers create the row at once.
        Chore.objects.get_or_create(name=name, defaults={"next_run": now})
        claimed = Chore.objects.filter(name=name, next_run__lte=now).update(
            next_run=now + period, last_run=now
        )
        if claimed:
            chore_task.enqueue()
            queued.append(name)
    return queued
