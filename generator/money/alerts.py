"""Spending alerts: someone hears before a budget, or the A1 account, runs out.

Soft limits at SPEND_ALERT_PERCENT (80 by default) and at 100% of every monthly budget
(a person's, a team's, a key's), and for the A1 account at ACCOUNT_ALERT_PERCENT of the
balance staff last entered left (and on A1's first 810012). The check is a chore every
minute, off every request's path; each crossing is one SpendAlert row, unique per
scope, period and threshold, so it is sent once whatever the number of workers. An
alert goes by e-mail (the person; a team's managers; a key's owner; staff for the
account), to the webhook of a key whose budget it is, and stays as a banner for the
people concerned until the period ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from common.mail import people_mail
from common.tracing import traced_job
from generator.keys.webhooks import webhook_send
from generator.models import (
    AccountBalance,
    ApiKey,
    Budget,
    LedgerEntry,
    Membership,
    SpendAlert,
    Team,
)
from generator.money.ledger import month_start, points_used

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)
Scope = SpendAlert.Scope


@dataclass(frozen=True)
class Crossing:
    scope: str
    period: date
    threshold: int
    used: int
    limit: int
    user: User | None = None
    team: Team | None = None
    api_key: ApiKey | None = None

    @property
    def slot(self) -> str:
        owners = (self.user, self.team, self.api_key)
        pk = next((owner.pk for owner in owners if owner is not None), 0)
        return f"{self.scope}:{pk}:{self.period.isoformat()}:{self.threshold}"


def _thresholds() -> list[int]:
    return sorted({settings.SPEND_ALERT_PERCENT, 100})


def _crossed(used: int, limit: int) -> list[int]:
    return [t for t in _thresholds() if limit and used * 100 >= limit * t]


def _budget_crossings(period: date) -> list[Crossing]:
    found = []
    for budget in Budget.objects.select_related("user", "team"):
        limit = budget.monthly_points
        if budget.user is not None:
            used = points_used(user=budget.user, since=period)
            found += [
                Crossing(Scope.PERSON, period, t, used, limit, user=budget.user)
                for t in _crossed(used, limit)
            ]
        elif budget.team is not None:
            used = points_used(team=budget.team, since=period)
            found += [
                Crossing(Scope.TEAM, period, t, used, limit, team=budget.team)
                for t in _crossed(used, limit)
            ]
    for key in ApiKey.objects.active().filter(monthly_points__isnull=False).select_related("user"):
        used = points_used(api_key=key, since=period)
        for threshold in _crossed(used, key.monthly_points or 0):
            found.append(
                Crossing(Scope.KEY, period, threshold, used, key.monthly_points or 0, api_key=key)
            )
    return found


def account_remaining() -> tuple[AccountBalance, int] | None:
    """The balance staff last entered and what is left of it: the points spent since
    have been counted down."""
    balance = AccountBalance.objects.order_by("-as_of").first()
    if balance is None:
        return None
    spent = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.SPEND, at__gte=balance.as_of
    ).aggregate(points=Sum("points", default=0))["points"]
    return balance, balance.points - spent


def _account_crossings() -> list[Crossing]:
    known = account_remaining()
    if known is None:
        return []
    balance, remaining = known
    used = balance.points - remaining
    # "Used" of the balance: warn once the part left is ACCOUNT_ALERT_PERCENT or less.
    threshold = 100 - settings.ACCOUNT_ALERT_PERCENT
    found = []
    for t in sorted({threshold, 100}):
        if balance.points and used * 100 >= balance.points * t:
            found.append(Crossing(Scope.ACCOUNT, balance.as_of.date(), t, used, balance.points))
    return found


def spend_alerts_check(*, today: date | None = None) -> list[SpendAlert]:
    """Record every threshold crossed this period and not yet recorded, and queue its
    sending; the new alerts."""
    period = month_start(today)
    made: dict[str, SpendAlert] = {}
    for crossing in [*_budget_crossings(period), *_account_crossings()]:
        alert = _record(crossing, send=False)
        if alert is None:
            continue
        # A budget that went past 80% and 100% at once is told once, the higher.
        budget = alert.slot.rsplit(":", 1)[0]
        lower = made.get(budget)
        if lower is not None:
            SpendAlert.objects.filter(pk=lower.pk).update(sent_at=timezone.now())
        made[budget] = alert
    for alert in made.values():
        send_spend_alert.enqueue(alert.pk)
    return list(made.values())


def _record(crossing: Crossing, *, send: bool = True) -> SpendAlert | None:
    try:
        with transaction.atomic():
            alert = SpendAlert.objects.create(
                slot=crossing.slot,
                scope=crossing.scope,
                user=crossing.user,
                team=crossing.team,
                api_key=crossing.api_key,
                period=crossing.period,
                threshold=crossing.threshold,
                used=crossing.used,
                limit=crossing.limit,
            )
            if send:
                pk = alert.pk
                transaction.on_commit(lambda: send_spend_alert.enqueue(pk))
    except IntegrityError:
        return None  # told already this period
    return alert


def account_out_of_points_alert(*, message: str = "") -> SpendAlert | None:
    """A1 said 810012: tell staff at once (once per balance entered, or per month when
    none was entered)."""
    known = account_remaining()
    period = known[0].as_of.date() if known else month_start()
    limit = known[0].points if known else 0
    return _record(Crossing(Scope.ACCOUNT, period, 101, limit, limit))


def _recipients(alert: SpendAlert):
    """The people an alert is e-mailed to (with their profiles, for their language)."""
    people = (
        get_user_model()
        ._default_manager.filter(is_active=True)
        .exclude(email="")
        .select_related("profile")
    )
    if alert.scope == Scope.PERSON:
        people = people.filter(pk=alert.user_id or 0)
    elif alert.scope == Scope.TEAM:
        people = people.filter(
            memberships__team_id=alert.team_id or 0, memberships__role=Membership.Role.MANAGER
        )
    elif alert.scope == Scope.KEY:
        people = people.filter(api_keys__pk=alert.api_key_id or 0)
    else:
        people = people.filter(is_staff=True)
    return people.distinct()


def alert_words(alert: SpendAlert) -> str:
    """The alert in a sentence, for the e-mail, the banner and the webhook."""
    values = {"used": alert.used, "limit": alert.limit, "percent": alert.threshold}
    if alert.scope == Scope.ACCOUNT:
        if alert.threshold > 100:
            return _(
                "A1 says the account is out of points: new runs are paused until it is topped up."
            )
        return (
            _(
                "The A1 account has used %(used)d of the %(limit)d points it held when its "
                "balance was last entered (%(percent)d%%)."
            )
            % values
        )
    whose = (
        _("Your monthly budget")
        if alert.scope == Scope.PERSON
        else _("The monthly budget of team %(team)s")
        % {"team": alert.team.name if alert.team else ""}
        if alert.scope == Scope.TEAM
        else _("The monthly budget of key %(key)s")
        % {"key": alert.api_key.prefix if alert.api_key else ""}
    )
    if alert.threshold >= 100:
        return _(
            "%(whose)s is used up: %(used)d of %(limit)d points. New runs are refused until next month or a higher budget."
        ) % {**values, "whose": whose}
    return _("%(whose)s is %(percent)d%% used: %(used)d of %(limit)d points.") % {
        **values,
        "whose": whose,
    }


@task()
@traced_job
def send_spend_alert(alert_id: int) -> bool:
    return spend_alert_send(alert_id=alert_id)


def spend_alert_send(*, alert_id: int) -> bool:
    """E-mail the people concerned and the key's webhook, once (the row is claimed)."""
    if not SpendAlert.objects.filter(pk=alert_id, sent_at__isnull=True).update(
        sent_at=timezone.now()
    ):
        return False
    alert = SpendAlert.objects.select_related("team", "api_key", "user").get(pk=alert_id)
    if settings.EMAIL_CONFIGURED:
        people_mail(
            people=_recipients(alert),
            words=lambda: (_("A1 Studio: spending alert"), alert_words(alert)),
        )
    words = alert_words(alert)  # the webhook's, in the portal's language
    if alert.api_key is not None:
        webhook_send(
            api_key=alert.api_key,
            event="budget.alert",
            payload={
                "budget": {
                    "scope": alert.scope,
                    "threshold_percent": alert.threshold,
                    "used": alert.used,
                    "limit": alert.limit,
                    "month": alert.period.isoformat(),
                },
                "message": words,
            },
        )
    return True


@task()
@traced_job
def check_spend_alerts() -> int:
    """The chore (every minute): new crossings recorded and queued."""
    return len(spend_alerts_check())


def spend_alerts_for(*, user) -> list[SpendAlert]:
    """This period's alerts that concern the person: their own budget, their teams',
    their keys', and the account's for staff. For the banner."""
    period = month_start()
    # Most months most people cross nothing: one look at the month's alerts spares every
    # page the query over their budgets, teams and keys.
    if not user.is_staff and not SpendAlert.objects.filter(period=period).exists():
        return []
    mine = Q(scope=Scope.PERSON, user=user) | Q(scope=Scope.KEY, api_key__user=user)
    mine |= Q(scope=Scope.TEAM, team__memberships__user=user)
    alerts = SpendAlert.objects.filter(mine, period=period)
    if user.is_staff:
        latest = AccountBalance.objects.order_by("-as_of").first()
        since = latest.as_of.date() if latest is not None else period
        alerts = alerts | SpendAlert.objects.filter(scope=Scope.ACCOUNT, period__gte=since)
    found = list(alerts.select_related("team", "api_key").distinct().order_by("-threshold"))
    # One line per budget: its highest threshold.
    seen, shown = set(), []
    for alert in found:
        key = alert.slot.rsplit(":", 1)[0]
        if key not in seen:
            seen.add(key)
            shown.append(alert)
    return shown
