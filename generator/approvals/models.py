"""Approvals: a run or batch whose quote is over a threshold waits for a manager.

A team's managers set their team's threshold (`Team.approval_threshold`); staff set one
for everyone (`ApprovalPolicy`, one row, changed in the admin and audited). The lower
threshold that applies wins. A request is one `Approval` row beside its batch: its
points stay held while it waits, and it ends approved, refused (with a reason) or
expired (APPROVAL_HOURS); one answered after it stopped standing ends superseded.
Retrying a batch's failed items over the threshold asks again: a new request beside the
same batch, the newest being the one that stands.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApprovalPolicy(models.Model):
    """Staff's threshold for everyone (one row; none or blank: no threshold)."""

    threshold = models.PositiveIntegerField(
        _("approval threshold (points)"),
        null=True,
        blank=True,
        help_text=_(
            "A run or batch whose quote is over this many points waits for approval, in every "
            "team and for people in none. Blank: no threshold for everyone."
        ),
    )
    changed = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policy")

    def __str__(self) -> str:
        return str(_("Approval threshold: %(points)s") % {"points": self.threshold or "—"})


class Approval(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled with its batch")
        # Answered when it no longer stood (the batch no longer waited, or a newer request
        # superseded it): ended at once, the batch untouched.
        SUPERSEDED = "superseded", _("Ended: the batch no longer waited for it")

    # A batch asks again for each retry over the threshold: its requests, newest first.
    batch = models.ForeignKey("generator.Batch", on_delete=models.CASCADE, related_name="approvals")
    # Exactly the items this request holds and asks about (a new batch's started items, a
    # retry's new ones): what the manager reads, and what its answer may release.
    items = models.ManyToManyField("generator.BatchItem", blank=True, related_name="approvals")
    team = models.ForeignKey(
        "generator.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approvals_asked"
    )
    points = models.PositiveIntegerField(_("quote (points)"))
    threshold = models.PositiveIntegerField(_("threshold (points)"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [
            models.Index(
                fields=["expires_at"], condition=models.Q(state="pending"), name="approvals_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.state}"

    @property
    def pending(self) -> bool:
        return self.state == self.State.PENDING
