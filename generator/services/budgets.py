"""Monthly point budgets, the account-balance alert, and usage figures."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from ..a1 import Code
from ..models import BalanceAlert, Budget, Generation, Spending, Team
from .errors import SubmitRefused
from .removal import spent_by

logger = logging.getLogger(__name__)


@dataclass
class Allowance:
    label: str
    budget: int | None  # None: no limit set
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else max(self.budget - self.used, 0)


def allowances(*, user) -> list[Allowance]:
    """This month's budget and use for the user and each of their teams."""
    month = timezone.localdate().replace(day=1)
    # Runs purged from the trash or erased this month still count (services/removal.py).
    mine = Generation.objects.filter(user=user).this_month().points_used()
    mine += spent_by(user=user, since=month)
    budget = Budget.objects.filter(user=user).first()
    result = [Allowance(_("You"), budget.monthly_points if budget else None, mine)]
    for team in Team.objects.filter(memberships__user=user).select_related("budget"):
        used = Generation.objects.filter(team=team).this_month().points_used()
        used += spent_by(team=team, since=month)
        team_budget = getattr(team, "budget", None)
        result.append(
            Allowance(team.name, team_budget.monthly_points if team_budget else None, used)
        )
    return result


def balance_alert_active() -> BalanceAlert | None:
    return BalanceAlert.objects.filter(active=True).first()


def balance_alert_raise(*, message: str) -> None:
    """Pause new runs: A1 said the account is out of points. One alert at most is active
    (a constraint), so workers that hear 810012 at the same moment raise it once."""
    try:
        with transaction.atomic():
            BalanceAlert.objects.create(message=message[:300])
    except IntegrityError:
        return
    logger.error("A1 says the account balance is insufficient: new runs are paused")


def balance_alert_clear(*, user) -> int:
    return BalanceAlert.objects.filter(active=True).update(
        active=False, cleared_at=timezone.now(), cleared_by=user
    )


def budget_check(*, user, team: Team | None, points: int) -> None:
    """Refuse a run the budgets or the account cannot pay, before anything reaches A1.

    Call it inside the transaction that writes the run's row (submission.run_open): it
    locks the budgets it reads, so concurrent submissions are counted one after another
    (row locks on PostgreSQL; SQLite's IMMEDIATE transactions serialise every writer).
    Used = spent + held by runs not yet settled.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("budget_check must run inside the transaction that holds the points")
    if balance_alert_active():
        raise SubmitRefused(
            _("New runs are paused: the A1 account is out of points. Staff have been told."),
            code=Code.BALANCE_INSUFFICIENT,
        )
    scope = Q(user=user) | Q(team=team) if team is not None else Q(user=user)
    # Ordered by pk so that two transactions always lock in the same order (no deadlock).
    budgets = list(Budget.objects.select_for_update().filter(scope).order_by("pk"))
    for budget in budgets:
        runs = (
            Generation.objects.filter(user=user)
            if budget.user_id
            else Generation.objects.filter(team=team)
        )
        # Runs removed this month (trash purged, a member erased) still count.
        month = timezone.localdate().replace(day=1)
        removed = (
            spent_by(user=user, since=month) if budget.user_id else spent_by(team=team, since=month)
        )
        used = runs.this_month().points_used() + removed
        if used + points <= budget.monthly_points:
            continue
        left = max(budget.monthly_points - used, 0)
        if budget.user_id:
            message = _(
                "This run costs %(cost)d points but you have %(left)d of your %(budget)d "
                "points left this month."
            )
        else:
            message = _(
                "This run costs %(cost)d points but the team %(team)s has %(left)d of its "
                "%(budget)d points left this month."
            )
        raise SubmitRefused(
            message
            % {
                "cost": points,
                "left": left,
                "budget": budget.monthly_points,
                "team": getattr(team, "name", ""),
            }
        )


@dataclass
class Usage:
    days: list[date]
    total_by_day: dict[date, int]
    by_user: list[tuple[str, int]]
    by_team: list[tuple[str, int]]
    by_app: list[tuple[str, int]]
    total: int
    quoted_open: int


def usage_month(*, today: date | None = None) -> Usage:
    """Points spent per day this month, and the month's totals by user, team and app."""
    today = today or timezone.localdate()
    start = today.replace(day=1)
    runs = Generation.objects.filter(created__date__gte=start, points_spent__isnull=False)
    per_day = dict(
        runs.annotate(day=TruncDate("created"))
        .values_list("day")
        .annotate(points=Coalesce(Sum("points_spent"), 0))
        .values_list("day", "points")
    )
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]

    # Runs removed since (trash purged, people erased) left their points in Spending.
    removed = Spending.objects.filter(day__gte=start)
    for day, points in removed.values_list("day").annotate(p=Sum("points")).values_list("day", "p"):
        per_day[day] = per_day.get(day, 0) + points

    def totals(field: str, nobody: str = "—") -> list[tuple[str, int]]:
        rows = runs.values_list(field).annotate(points=Sum("points_spent")).order_by("-points")
        merged: dict[str, int] = defaultdict(int)
        for key, points in rows:
            merged[key or "—"] += points or 0
        for key, points in removed.values_list(field).annotate(p=Sum("points")):
            merged[key or nobody] += points or 0
        return sorted(merged.items(), key=lambda kv: -kv[1])

    open_runs = Generation.objects.filter(created__date__gte=start, points_spent__isnull=True)
    return Usage(
        days=days,
        total_by_day={d: per_day.get(d, 0) for d in days},
        by_user=totals("user__username", nobody=_("(erased accounts)")),
        by_team=totals("team__name"),
        by_app=totals("app_name"),
        total=sum(per_day.values()),
        quoted_open=open_runs.exclude(state="failed").aggregate(
            points=Coalesce(Sum("points_quoted"), 0)
        )["points"],
    )
