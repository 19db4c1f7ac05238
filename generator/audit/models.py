"""The audit log: one row per act that changed money, access or data. Rows are only
ever added (and removed by age, AUDIT_DAYS); erasure replaces a person by a pseudonym."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Act(models.TextChoices):
    """What was done. The code (left) is stable: exports and filters use it."""

    KEY_CREATED = "key.created", _("Key made")
    KEY_CHANGED = "key.changed", _("Key changed")
    KEY_REVOKED = "key.revoked", _("Key revoked")
    BUDGET_SET = "budget.set", _("Budget set")
    BUDGET_CHANGED = "budget.changed", _("Budget changed")
    BUDGET_REMOVED = "budget.removed", _("Budget removed")
    MEMBER_ADDED = "member.added", _("Member added")
    MEMBER_REMOVED = "member.removed", _("Member removed")
    ROLE_CHANGED = "member.role_changed", _("Role changed")
    INVITE_CREATED = "invite.created", _("Invite made")
    INVITE_REVOKED = "invite.revoked", _("Invite revoked")
    TEAM_CREATED = "team.created", _("Team made")
    TEAM_CHANGED = "team.changed", _("Team settings changed")
    TEAM_DELETED = "team.deleted", _("Team deleted")
    RUN_SHARED = "run.shared", _("Run shared or unshared")
    RUN_HIDDEN = "run.hidden", _("Run hidden by staff")
    RUN_UNHIDDEN = "run.unhidden", _("Run shown again by staff")
    TRASH_PURGED = "trash.purged", _("Trash purged")
    EXPORT_CREATED = "export.created", _("Data export made")
    EXPORT_DOWNLOADED = "export.downloaded", _("Data export downloaded")
    PERSON_ERASED = "person.erased", _("Person erased")
    PERSON_DEACTIVATED = "person.deactivated", _("Person deactivated")
    PERSON_REACTIVATED = "person.reactivated", _("Person reactivated")
    PERSON_CREATED = "person.created", _("Account made by staff")
    PERSON_CHANGED = "person.changed", _("Account changed by staff")
    SSO_ACCOUNT_CREATED = "sso.account_created", _("Account made by single sign-on")
    SSO_ACCOUNT_LINKED = "sso.account_linked", _("Account linked to single sign-on")
    BALANCE_ALERT_CLEARED = "balance.cleared", _("Account balance alert cleared")
    SETTING_CHANGED = "setting.changed", _("Setting changed by staff")
    APPROVAL_REQUESTED = "approval.requested", _("Approval asked for")
    APPROVAL_GIVEN = "approval.given", _("Approval given")
    APPROVAL_REFUSED = "approval.refused", _("Approval refused")
    APPROVAL_EXPIRED = "approval.expired", _("Approval request expired")
    APPROVAL_CANCELLED = "approval.cancelled", _("Approval request cancelled with its batch")
    APPROVAL_SUPERSEDED = (
        "approval.superseded",
        _("Approval request ended: the batch no longer waited for it"),
    )


class Via(models.TextChoices):
    PAGE = "page", _("a page")
    API = "api", _("the REST API")
    GATEWAY = "gateway", _("the A1 gateway")
    ADMIN = "admin", _("the admin")
    SYSTEM = "system", _("the system")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    act = models.CharField(_("what"), max_length=40, choices=Act.choices, db_index=True)
    # Who: the person (None for the system, or once erased) and their name as it was,
    # or a stable pseudonym after erasure.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    # From where.
    via = models.CharField(_("through"), max_length=10, choices=Via.choices)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    key_prefix = models.CharField(_("key"), max_length=16, blank=True)
    # What it was done to: a person, a team, and one line naming the thing.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    subject_name = models.CharField(_("whom"), max_length=150, blank=True)
    team = models.ForeignKey(
        "generator.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team_name = models.CharField(_("team"), max_length=100, blank=True)
    target = models.CharField(_("on"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["actor", "-id"], name="audit_by_actor"),
            models.Index(fields=["subject", "-id"], name="audit_by_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.act} {self.actor_name} {self.target}"

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field the entry names; None where a side has
        no value (a row made has no before, a row removed no after)."""
        before, after = self.before or {}, self.after or {}
        return [(name, before.get(name), after.get(name)) for name in sorted({*before, *after})]
