"""Releasing a run that spent nothing: its row goes and its hold is released.

Two cases, one path: the call was never sent (the upload failed, or the sweep found
the submitting process dead before it sent anything: `run_abandon`), or A1 definitely
refused it (`run_refused`). Its photos stay kept (for the form to show again, or for
the batch item to send again) and a batch item waits again, held again as it was.
Cancelling batch items not yet sent (`batches_cancel`) releases their holds the same way.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.models import Approval, Batch, BatchItem, InputImage, Run
from generator.money.ledger import Billing, billing_of, ledger_hold, ledger_release


def run_abandon(*, run: Run) -> bool:
    """Release a SUBMITTING run whose call was never sent; False if it moved on meanwhile
    (its call went out: then it is never released here, whatever happens next)."""
    return _release(run=run, unsent_only=True)


def run_refused(*, run: Run) -> bool:
    """Release a SUBMITTING run A1 definitely refused (nothing was spent)."""
    return _release(run=run, unsent_only=False)


def _release(*, run: Run, unsent_only: bool) -> bool:
    with transaction.atomic():
        rows = Run.objects.filter(pk=run.pk, state=Run.State.SUBMITTING)
        if unsent_only:
            rows = rows.filter(sent_at__isnull=True)
        if not rows.select_for_update().exists():
            return False
        InputImage.objects.filter(run=run).update(run=None)
        ledger_release(run_id=run.pk)
        item = BatchItem.objects.filter(run=run).select_related("batch").first()
        if item is not None:
            BatchItem.objects.filter(pk=item.pk).update(
                state=BatchItem.State.WAITING, run=None, claimed_until=None
            )
            _hold_again(item)
        # A fresh queryset: the lock is held already, and the delete reads its owners.
        Run.objects.filter(pk=run.pk).delete()
    return True


def _hold_again(item: BatchItem) -> None:
    """The item waits again: its points are held again, billed as its first hold was."""
    batch = item.batch
    billing = billing_of(item_id=item.pk) or Billing.of(
        user=batch.user, team=batch.team, api_key=batch.api_key
    )
    ledger_hold(
        points=item.points,
        billing=billing,
        items=[item],
        app_id=batch.app_id,
        app_name=batch.app_name,
    )


def batches_cancel(*, batches: QuerySet, reason: str) -> int:
    """Cancel every item not yet sent of these batches, releasing their holds, in the
    caller's transaction (the owner's cancel, a key revoked, a person deactivated)."""
    with transaction.atomic():
        # The batches' rows first (in one order), then their items, then their requests:
        # the order in which a manager's answer locks them (approvals/decisions.py).
        ids = list(
            batches.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True)
        )
        items = BatchItem.objects.filter(
            batch__in=ids, state__in=[BatchItem.State.WAITING, BatchItem.State.READY]
        )
        held = list(items.filter(state=BatchItem.State.WAITING).values_list("pk", flat=True))
        cancelled = items.update(state=BatchItem.State.CANCELLED, reason=reason[:500])
        ledger_release(item_ids=held)
        Batch.objects.filter(
            pk__in=ids,
            state__in=[Batch.State.RUNNING, Batch.State.PAUSED, Batch.State.AWAITING_APPROVAL],
        ).update(state=Batch.State.CANCELLED, pause="")
        _approvals_cancel(batch_ids=ids, reason=reason)
    return cancelled


def _approvals_cancel(*, batch_ids: list, reason: str) -> None:
    """A request still waiting for a batch cancelled (by its owner, or because its key was
    revoked or its person deactivated) ends with it: nobody is asked about it any more."""
    now = timezone.now()
    for approval in Approval.objects.filter(
        batch__in=batch_ids, state=Approval.State.PENDING
    ).select_related("batch", "team", "requested_by"):
        if not Approval.objects.filter(pk=approval.pk, state=Approval.State.PENDING).update(
            state=Approval.State.CANCELLED, reason=reason[:500], decided_at=now
        ):
            continue  # answered meanwhile: that answer stands
        audit_record(
            act=Act.APPROVAL_CANCELLED,
            subject=approval.requested_by,
            team=approval.team,
            target=f"batch {approval.batch_id} · {approval.batch.app_name} · {approval.points} points",
            before={"state": approval.state},
            after={"state": Approval.State.CANCELLED, "reason": reason[:500]},
        )
