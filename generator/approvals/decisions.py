"""Answering a request: approve (the batch goes to the pacer, as a start's items do),
refuse with a reason, or let it expire (a chore). An answer to a request that no longer
stands (`approval_stands`) ends it at once as superseded, touching nothing else. Refusing and expiring release the
held points through `generator/runs/holds.py` `batches_cancel` (the ledger's
`ledger_release`); approving asks `spend_check` again through `batch_approved`. Each
answer is one audit entry with before and after, written in the answer's transaction,
and the requester is told once it commits."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from common.tracing import traced_job
from generator.approvals.models import Approval
from generator.approvals.requests import (
    _state,
    approval_audit,
    approval_stands,
    may_decide,
    tell_requester,
)
from generator.audit.models import Act
from generator.batches.models import Batch
from generator.batches.services import batch_approved
from generator.errors import SubmitRefused
from generator.runs.holds import batches_cancel

State = Approval.State


class DecisionRefused(SubmitRefused):
    """This person may not give this answer (their own request, or it was answered)."""


def approval_decide(*, approval: Approval, by, approve: bool, reason: str = "") -> Approval:
    """Approve or refuse a pending request, as `by`. A refusal needs a reason. Nobody
    answers their own request unless they are staff."""
    reason = reason.strip()[:500]
    if not may_decide(user=by, approval=approval):
        raise DecisionRefused(_("You cannot answer your own request: another manager must."))
    with transaction.atomic():
        # The batch's row first, then the request's, as a cancel locks them
        # (runs/holds.py batches_cancel): so no retry, pacer or cancel moves the batch
        # while this answers, and the two never deadlock.
        batch = Batch.objects.select_for_update().get(pk=approval.batch_id)
        locked = Approval.objects.select_for_update(of=("self",)).get(pk=approval.pk)
        locked.batch = batch
        if locked.state != State.PENDING:
            raise DecisionRefused(
                _("This request was already answered: %(state)s.")
                % {"state": locked.get_state_display()}
            )
        stands = approval_stands(locked)
        if stands and not approve and not reason:
            raise SubmitRefused(
                _("Say why it is refused: the person who asked will read it."), "reason"
            )
        before = _state(locked)
        if stands:
            locked.state = State.APPROVED if approve else State.REFUSED
        else:
            locked.state = State.SUPERSEDED
        locked.reason = reason if stands and not approve else ""
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save(update_fields=["state", "reason", "decided_by", "decided_at"])
        if approve and stands and not batch_approved(batch=locked.batch):
            raise DecisionRefused(_("This batch no longer waits for approval."))
        if not approve and stands:
            _release(locked.batch, Batch.State.REFUSED, _("Refused by a manager."))
        if not stands:
            act = Act.APPROVAL_SUPERSEDED
        else:
            act = Act.APPROVAL_GIVEN if approve else Act.APPROVAL_REFUSED
        approval_audit(approval=locked, act=act, before=before)
        pk = locked.pk
        if stands:  # a stale one changed nothing the requester or their script could see
            transaction.on_commit(lambda: tell_requester.enqueue(pk))
    if not stands:
        # Ended at once (no longer waiting in anyone's list), the batch untouched; the
        # manager is told their answer moved nothing.
        raise DecisionRefused(_("This batch no longer waits for approval."))
    return locked


def _release(batch: Batch, state: str, reason: str) -> None:
    """Cancel the waiting items (their holds released) and say why the batch ended.
    Only for the request that stands (`approval_stands`): while a batch awaits approval,
    its waiting items are exactly those its newest request holds (a retry is refused
    while a batch waits or runs), so nothing a manager approved earlier is cancelled.
    A stale request ends without this: its items, if any still wait, went with the
    batch's approval and are spent or released by the pacer, once."""
    batches_cancel(batches=Batch.objects.filter(pk=batch.pk), reason=reason)
    Batch.objects.filter(pk=batch.pk, state=Batch.State.CANCELLED).update(
        state=state, finished_at=timezone.now()
    )


def approvals_expire(*, now=None) -> int:
    """Every pending request past its time: expired, its hold released, its requester
    told. The system's act in the audit log."""
    now = now or timezone.now()
    ended = 0
    for pk in Approval.objects.filter(state=State.PENDING, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            # The batch's row first, then the request's (the order of a cancel's locks).
            batch_id = Approval.objects.filter(pk=pk).values_list("batch_id", flat=True).first()
            if batch_id is None:
                continue  # gone meanwhile
            batch = Batch.objects.select_for_update().filter(pk=batch_id).first()
            approval = (
                Approval.objects.select_for_update(of=("self",))
                .select_related("requested_by", "team")
                .filter(pk=pk, state=State.PENDING)
                .first()
            )
            if approval is None or batch is None:
                continue  # answered meanwhile
            approval.batch = batch
            stands = approval_stands(approval)
            before = _state(approval)
            approval.state, approval.decided_at = State.EXPIRED, now
            approval.save(update_fields=["state", "decided_at"])
            if stands:
                _release(
                    approval.batch, Batch.State.EXPIRED, _("The request for approval expired.")
                )
            approval_audit(approval=approval, act=Act.APPROVAL_EXPIRED, before=before)
            if stands:  # not "its points were released" of a batch that runs on
                transaction.on_commit(partial(tell_requester.enqueue, pk))
        ended += 1
    return ended


@task()
@traced_job
def expire_approvals() -> int:
    """The chore (every minute)."""
    return approvals_expire()
