"""Asking for approval, and telling people: the row beside a batch whose points are
held, the managers told (e-mail when configured; the banner), the requester told of the
answer (e-mail; the batch's page), the starting key's webhook told of each step.

`approval_open` is called by `batch_start` inside its own transaction (the one that
called `spend_check` and wrote the hold with `ledger_hold`), so a request exists exactly
when its points are held. It imports no service that starts batches (those import it).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.mail import people_mail
from common.tracing import traced_job
from generator.approvals.models import Approval
from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.keys.webhooks import webhook_send
from generator.teams.models import Membership

logger = logging.getLogger(__name__)


def approval_open(*, batch, items, points: int, threshold: int) -> Approval:
    """The request for a batch's `items` just held (in the caller's transaction), and its
    notice queued for the managers once it commits."""
    approval = Approval.objects.create(
        batch=batch,
        team=batch.team,
        requested_by=batch.user,
        points=points,
        threshold=threshold,
        expires_at=timezone.now() + timedelta(hours=settings.APPROVAL_HOURS),
    )
    approval.items.set(items)
    audit_record(
        act=Act.APPROVAL_REQUESTED,
        subject=batch.user,
        team=batch.team,
        target=_target(approval),
        after=_state(approval),
    )
    pk = approval.pk
    transaction.on_commit(lambda: tell_deciders.enqueue(pk))
    return approval


def _target(approval: Approval) -> str:
    return f"batch {approval.batch_id} · {approval.batch.app_name} · {approval.points} points"


def _state(approval: Approval) -> dict:
    return {"state": approval.state, "points": approval.points, "reason": approval.reason}


def approval_stands(approval: Approval) -> bool:
    """Whether an answer to this request may move its batch: the batch still awaits
    approval and this is its newest pending request. Any other pending one is stale (left
    from before a retry was refused while a batch waited or ran): it ends without
    touching the batch, whose items answer to the request that moved it."""
    if approval.state != Approval.State.PENDING:
        return False
    newest = (
        Approval.objects.filter(batch_id=approval.batch_id, state=Approval.State.PENDING)
        .order_by("-created", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return newest == approval.pk and approval.batch.state == approval.batch.State.AWAITING_APPROVAL


def deciders_of(approval: Approval) -> QuerySet:
    """Who may answer: the team's managers (staff when the batch has no team), never the
    person who asked unless they are staff (staff may answer any request)."""
    people = get_user_model()._default_manager.filter(is_active=True)
    if approval.team_id is not None:
        managers = people.filter(
            memberships__team_id=approval.team_id, memberships__role=Membership.Role.MANAGER
        )
    else:
        managers = people.filter(is_staff=True)
    return managers.exclude(pk=approval.requested_by_id).distinct()


def may_decide(*, user, approval: Approval) -> bool:
    if user.is_staff:
        return True
    if approval.requested_by_id == user.pk or approval.team_id is None:
        return False
    return Membership.objects.filter(
        user=user, team_id=approval.team_id, role=Membership.Role.MANAGER
    ).exists()


def approvals_visible_to(*, user) -> QuerySet[Approval]:
    """The requests a person may read: those they may answer and their own."""
    rows = Approval.objects.select_related("batch", "team", "requested_by", "decided_by")
    if user.is_staff:
        return rows
    managed = Membership.objects.filter(user=user, role=Membership.Role.MANAGER).values("team")
    return rows.filter(Q(team__in=managed) | Q(requested_by=user)).distinct()


def approvals_pending_exist() -> bool:
    """Whether any request waits for an answer anywhere: one indexed look, which spares
    every page the banner's query (`approvals_to_decide`) while nobody waits."""
    return Approval.objects.filter(state=Approval.State.PENDING).exists()


def approvals_to_decide(*, user) -> QuerySet[Approval]:
    """Pending requests this person may answer (the banner and the list)."""
    rows = approvals_visible_to(user=user).filter(state=Approval.State.PENDING)
    return rows if user.is_staff else rows.exclude(requested_by=user)


def _link(path: str) -> str:
    return (settings.SITE_URL.rstrip("/") + path) if settings.SITE_URL else path


@task()
@traced_job
def tell_deciders(approval_id: int) -> int:
    return approval_notify_deciders(approval_id=approval_id)


def approval_notify_deciders(*, approval_id: int) -> int:
    """E-mail the people who may answer a new request; how many were told."""
    approval = Approval.objects.select_related("batch", "requested_by", "team").get(pk=approval_id)
    deciders = list(deciders_of(approval).select_related("profile"))

    def words() -> tuple[str, str]:
        body = _(
            "%(who)s asks to start a batch of %(app)s quoted at %(points)d points "
            "(over the threshold of %(threshold)d). Its points are held until you answer, "
            "or until the request expires on %(expires)s.\n\nSee it and answer: %(link)s"
        ) % {
            "who": approval.requested_by.get_username(),
            "app": approval.batch.app_name,
            "points": approval.points,
            "threshold": approval.threshold,
            "expires": timezone.localtime(approval.expires_at).strftime("%Y-%m-%d %H:%M %Z"),
            "link": _link(reverse("approval_detail", args=[approval.pk])),
        }
        return _("A1 Studio: a batch awaits your approval"), body

    told = people_mail(people=deciders, words=words)  # each in their own language
    _webhook(approval, "batch.awaiting_approval")
    return told


def answer_words(approval: Approval) -> str:
    """What the requester is told, in a sentence (the e-mail and the batch's page)."""
    values = {"points": approval.points, "app": approval.batch.app_name}
    if approval.state == Approval.State.APPROVED:
        return _("Your batch of %(app)s (%(points)d points) was approved and is running.") % values
    if approval.state == Approval.State.REFUSED:
        return _(
            "Your batch of %(app)s (%(points)d points) was refused: %(reason)s. "
            "Its points were released."
        ) % {**values, "reason": approval.reason}
    if approval.state == Approval.State.EXPIRED:
        return (
            _(
                "Nobody answered the request for your batch of %(app)s (%(points)d points) in "
                "time: it expired and its points were released."
            )
            % values
        )
    if approval.state == Approval.State.SUPERSEDED:
        return (
            _(
                "This request for your batch of %(app)s (%(points)d points) was answered after "
                "the batch stopped waiting for it: it ended, and changed nothing."
            )
            % values
        )
    if approval.state == Approval.State.CANCELLED:
        return _("The request was withdrawn with the batch: %(reason)s") % {
            "reason": approval.reason
        }
    return _(
        "This batch (%(points)d points) is over the approval threshold of %(threshold)d "
        "points: it waits for a manager of the team. Its points are held meanwhile."
    ) % {**values, "threshold": approval.threshold}


@task()
@traced_job
def tell_requester(approval_id: int) -> bool:
    return approval_notify_requester(approval_id=approval_id)


def approval_notify_requester(*, approval_id: int) -> bool:
    approval = Approval.objects.select_related("batch", "requested_by").get(pk=approval_id)
    person = approval.requested_by
    people_mail(
        people=[person],
        words=lambda: (
            _("A1 Studio: your batch"),
            answer_words(approval) + "\n\n" + _link(approval.batch.get_absolute_url()),
        ),
    )
    _webhook(approval, f"batch.{approval.state}")
    return bool(person.email)


def _webhook(approval: Approval, event: str) -> None:
    batch = approval.batch
    if batch.api_key is None:
        return
    webhook_send(
        api_key=batch.api_key,
        event=event,
        batch=batch,
        payload={
            "batch": {"id": str(batch.pk), "state": batch.state},
            "approval": {
                "state": approval.state,
                "points": approval.points,
                "threshold": approval.threshold,
                "reason": approval.reason,
                "expires_at": approval.expires_at.isoformat(),
            },
        },
    )


def approval_audit(*, approval: Approval, act: str, before: dict) -> None:
    audit_record(
        act=act,
        subject=approval.requested_by,
        team=approval.team,
        target=_target(approval),
        before=before,
        after=_state(approval),
    )
