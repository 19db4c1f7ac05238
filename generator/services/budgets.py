"""Monthly point budgets and the account-balance alert (usage figures: services/usage.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import BalanceAlert, Budget, Generation, Team
from .errors import SubmitRefused

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
    mine = Generation.objects.filter(user=user).this_month().points_used()
    budget = Budget.objects.filter(user=user).first()
    result = [Allowance(_("You"), budget.monthly_points if budget else None, mine)]
    for team in Team.objects.filter(memberships__user=user).select_related("budget"):
        used = Generation.objects.filter(team=team).this_month().points_used()
        team_budget = getattr(team, "budget", None)
        result.append(
            Allowance(team.name, team_budget.monthly_points if team_budget else None, used)
        )
    return result


def balance_alert_active() -> BalanceAlert | None:
    return BalanceAlert.objects.filter(cleared_at__isnull=True).first()


def balance_alert_raise(*, message: str) -> None:
    if balance_alert_active() is None:
        BalanceAlert.objects.create(message=message[:300])
        logger.error("A1 says the account balance is insufficient: new runs are paused")


def balance_alert_clear(*, user) -> int:
    return BalanceAlert.objects.filter(cleared_at__isnull=True).update(
        cleared_at=timezone.now(), cleared_by=user
    )


def budget_check(*, user, team: Team | None, points: int) -> None:
    """Refuse, before anything reaches A1, a run the budgets or the account cannot pay."""
    if balance_alert_active():
        raise SubmitRefused(
            _("New runs are paused: the A1 account is out of points. Staff have been told.")
        )
    scopes = [
        (Budget.objects.filter(user=user).first(), Generation.objects.filter(user=user), None)
    ]
    if team is not None:
        scopes.append(
            (Budget.objects.filter(team=team).first(), Generation.objects.filter(team=team), team)
        )
    for budget, runs, scope_team in scopes:
        if budget is None:
            continue
        used = runs.this_month().points_used()
        if used + points > budget.monthly_points:
            left = max(budget.monthly_points - used, 0)
            if scope_team is None:
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
                    "team": getattr(scope_team, "name", ""),
                }
            )
