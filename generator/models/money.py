"""Money: monthly point budgets and the account-balance alert."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .teams import Team


class Budget(models.Model):
    """A monthly point limit for one user or one team, set by staff."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget",
    )
    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="budget"
    )
    monthly_points = models.PositiveIntegerField(_("points per month"))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="budget_for_user_or_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team}: {self.monthly_points} points/month"


class BalanceAlert(models.Model):
    """A1 said the account is out of points (810012): new runs wait until staff clear it."""

    raised_at = models.DateTimeField(default=timezone.now)
    message = models.CharField(max_length=300, blank=True)
    # True until cleared; the constraint below allows one active alert at most, so two
    # workers that see 810012 at once cannot raise two.
    active = models.BooleanField(default=True, editable=False)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="one_active_balance_alert"
            )
        ]

    def __str__(self) -> str:
        return f"balance alert {self.raised_at:%Y-%m-%d %H:%M}"
