"""Runs and batches as plain JSON for scripts: what the REST API answers and webhooks send.

One shape for both, so a script can treat a webhook's `run` exactly like the answer
to GET /api/v1/runs/{id}. Links are absolute when a base URL is given.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import translation

from generator.models import Approval, Batch, ResultImage, Run


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _error(run: Run) -> dict | None:
    if run.state not in (Run.State.FAILED, Run.State.UNKNOWN):
        return None
    with translation.override("en"):
        message = run.error_for("en") or str(run.get_state_display())
    with translation.override("zh-hans"):
        message_cn = run.error_for("zh-hans") or str(run.get_state_display())
    return {"code": run.error_code, "message": message, "message_cn": message_cn}


def result_json(result: ResultImage, *, base: str = "") -> dict:
    saved = bool(result.file)
    return {
        "id": str(result.pk),
        "index": result.index,
        "saved": saved,
        "expired": result.expired,
        "url": base + reverse("api-v1:result_file", args=[result.pk]) if saved else None,
        "thumbnail_url": base + reverse("api-v1:result_thumbnail", args=[result.pk])
        if result.thumbnail
        else None,
        "width": result.width or None,
        "height": result.height or None,
        "format": result.format or None,
    }


def run_json(run: Run, *, base: str = "") -> dict:
    """The run, its state and our own result links (never A1's expiring ones). A run
    hidden by staff or in the trash has none (RunQuerySet.shown): the API does
    not answer it at all, and a webhook about it carries no image."""
    results = run.results.all() if run.is_shown else []
    return {
        "id": str(run.pk),
        "kind": run.kind,
        "state": run.state,
        "finished": run.finished,
        "app_id": run.app_id,
        "app_name": run.app_name,
        "version_id": run.version_id,
        "language": run.language,
        "generate_num": run.generate_num,
        "params": run.params or {},
        "points_quoted": run.points_quoted,
        "points_spent": run.points_spent,
        "owner": run.user.get_username(),
        "team_id": run.team_id,
        "visibility": run.visibility,
        "created": _when(run.created),
        "submitted_at": _when(run.submitted_at),
        "finished_at": _when(run.finished_at),
        "error": _error(run),
        "page_url": base + run.get_absolute_url(),
        "results": [result_json(r, base=base) for r in results],
    }


def batch_json(batch: Batch, *, progress, base: str = "") -> dict:
    """A batch, its counts and each item with its run (when it has one)."""
    items = batch.items.select_related("run").order_by("index")
    return {
        "id": str(batch.pk),
        "state": batch.state,
        "paused_because": batch.pause or None,
        "app_id": batch.app_id,
        "app_name": batch.app_name,
        "points_per_item": batch.points_per_item,
        "team_id": batch.team_id,
        "visibility": batch.visibility,
        "created": _when(batch.created),
        "started_at": _when(batch.started_at),
        "finished_at": _when(batch.finished_at),
        "counts": {
            "items": progress.total,
            "started": progress.started,
            "done": progress.done,
            "running": progress.running,
            "waiting": progress.waiting,
            "failed": progress.failed,
            "cancelled": progress.cancelled,
            "invalid": progress.invalid,
        },
        "points_spent": progress.points_spent,
        "points_held": progress.points_held,
        "approval": approval_json(batch),
        "page_url": base + batch.get_absolute_url(),
        "zip_url": base + reverse("api-v1:batch_zip", args=[batch.pk]),
        "items": [
            {
                "index": item.index,
                "label": item.label,
                "state": item.state,
                "reason": item.reason_text or None,
                "run_id": str(item.run_id) if item.run_id else None,
                "run_state": item.run.state if item.run else None,
            }
            for item in items
        ],
    }


def approval_json(batch: Batch) -> dict | None:
    """The request for approval of a batch over a threshold, or None when none was needed."""
    approval = Approval.objects.filter(batch=batch).first()
    if approval is None:
        return None
    return {
        "state": approval.state,
        "points": approval.points,
        "threshold": approval.threshold,
        "reason": approval.reason or None,
        "requested_at": _when(approval.created),
        "expires_at": _when(approval.expires_at),
        "decided_at": _when(approval.decided_at),
    }
