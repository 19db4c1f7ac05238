"""Accounts: which single sign-on identity logs in as which account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SsoLink(models.Model):
    """The provider's identity (issuer and subject) that logs in as this account.

    Made at a first single sign-on: with a new account, or with an existing account that
    has the same verified email address and is neither staff nor superuser. Staff make
    it in the admin (the person's page) to let single sign-on into any other account,
    staff and superusers included: such a link starts with no subject, and the account's
    next log-in with its verified address fills it in. From then on the subject alone
    decides, whatever the address becomes.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_link"
    )
    issuer = models.CharField(_("provider"), max_length=300, blank=True, editable=False)
    subject = models.CharField(
        _("subject"),
        max_length=255,
        blank=True,
        editable=False,
        help_text=_(
            "The provider's id for this person, filled in by their next single sign-on with "
            "the account's verified email address. Only a link added here lets single "
            "sign-on into a staff or superuser account."
        ),
    )
    created = models.DateTimeField(default=timezone.now, editable=False)
    linked_at = models.DateTimeField(_("first log-in"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("single sign-on link")
        verbose_name_plural = _("single sign-on links")
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"],
                condition=~Q(subject=""),
                name="one_account_per_sso_identity",
            )
        ]

    def __str__(self) -> str:
        return f"single sign-on of {self.user}"


class Profile(models.Model):
    """What a person chose for themselves: the name shown, their time zone and the
    interface language. The email address stays on the account (log-in, reset, SSO).

    Blank means "not chosen": the language then follows the browser (cookie, then its
    Accept-Language), and the time zone is the portal's (TIME_ZONE) until the first page
    sends the browser's own, which is saved once and changed only on the profile page."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    language = models.CharField(_("interface language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"profile of {self.user}"
