"""Money: monthly point budgets and the account-balance alert."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from generator.teams.models import Team


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


class LedgerEntry(models.Model):
    """One movement of points: held, released or spent. Who pays is decided here, once.

    A run's hold is written in the transaction that opens it (and a batch item's in the
    one that starts its batch), naming the person, team and key billed; every later
    entry of that run or item copies them from its hold, so sharing a run with another
    team, moving it, or removing it never changes who paid. Entries are only ever
    added: a person's erasure clears their name (SET_NULL) and nothing else.

    Used points of a month = the sum of every entry whose `day` falls in it: held points
    until they are released or spent, then what was spent. `run` and `item` name what
    the points were for without a database constraint, so the entry outlives both.
    """

    class Kind(models.TextChoices):
        HOLD = "hold", _("Held")
        RELEASE = "release", _("Released")
        SPEND = "spend", _("Spent")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    points = models.IntegerField(help_text=_("Held or spent: positive; released: negative"))
    day = models.DateField(help_text=_("The day the points count on: when the hold was made"))
    at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        "generator.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(
        "generator.Run",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="ledger",
    )
    item = models.ForeignKey(
        "generator.BatchItem",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="ledger",
    )
    app_id = models.CharField(max_length=32, blank=True)
    app_name = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        indexes = [
            models.Index(fields=["user", "day"], name="ledger_by_user"),
            models.Index(fields=["team", "day"], name="ledger_by_team"),
            models.Index(fields=["api_key", "day"], name="ledger_by_key"),
            models.Index(fields=["day"], name="ledger_by_day"),
            models.Index(fields=["run", "kind"], name="ledger_by_run"),
            models.Index(fields=["item", "kind"], name="ledger_by_item"),
        ]
        constraints = [
            # A run is held once, released once and spent once, whoever notices it ends.
            models.UniqueConstraint(
                fields=["run", "kind"], condition=Q(run__isnull=False), name="one_entry_per_run"
            ),
            models.CheckConstraint(
                condition=Q(run__isnull=True) | Q(item__isnull=True), name="entry_for_run_or_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.points:+d}"


class LedgerMonth(models.Model):
    """Points used in one month by one person, team or key: the sum of the ledger entries
    that name them and whose `day` falls in that month.

    Kept by the ledger alone (generator/money/ledger.py), in the transaction of each entry
    it writes, so "used this month" (the budget check of every run, the allowances on
    every gallery page) reads one row instead of summing the month's entries. A person's
    erasure removes their rows as it clears their name from the entries; the team's and
    the key's stay, as the entries do. `ledger_months_rebuild` recounts them all from the
    entries.
    """

    month = models.DateField(help_text=_("The month's first day"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    api_key = models.ForeignKey(
        "generator.ApiKey", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    points = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("points used in a month")
        verbose_name_plural = _("points used by month")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "month"], condition=Q(user__isnull=False), name="one_month_per_user"
            ),
            models.UniqueConstraint(
                fields=["team", "month"], condition=Q(team__isnull=False), name="one_month_per_team"
            ),
            models.UniqueConstraint(
                fields=["api_key", "month"],
                condition=Q(api_key__isnull=False),
                name="one_month_per_key",
            ),
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True, api_key__isnull=True)
                    | Q(user__isnull=True, team__isnull=False, api_key__isnull=True)
                    | Q(user__isnull=True, team__isnull=True, api_key__isnull=False)
                ),
                name="month_names_one_payer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.points}"


class SpendAlert(models.Model):
    """A soft limit crossed: once per scope, period and threshold (the unique `slot`),
    whatever the number of workers that notice it."""

    class Scope(models.TextChoices):
        PERSON = "person", _("person")
        TEAM = "team", _("team")
        KEY = "key", _("key")
        ACCOUNT = "account", _("A1 account")

    slot = models.CharField(max_length=80, unique=True)  # e.g. "team:4:2026-12-01:80"
    scope = models.CharField(max_length=10, choices=Scope.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    api_key = models.ForeignKey(
        "generator.ApiKey", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    period = models.DateField()  # the month's first day (the balance's date for the account)
    threshold = models.PositiveSmallIntegerField()  # percent of the limit used
    used = models.PositiveIntegerField()
    limit = models.PositiveIntegerField()
    created = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("spending alert")
        verbose_name_plural = _("spending alerts")

    def __str__(self) -> str:
        return self.slot


class AccountBalance(models.Model):
    """What the A1 account held at a moment, as staff read it on a1.art; the portal
    counts down the points spent since."""

    points = models.PositiveIntegerField(_("points the account held"))
    as_of = models.DateTimeField(_("at"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-as_of"]
        verbose_name = _("A1 account balance")
        verbose_name_plural = _("A1 account balances")

    def __str__(self) -> str:
        return f"{self.points} points at {self.as_of:%Y-%m-%d %H:%M}"
