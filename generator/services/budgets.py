"""Monthly point budgets and the account-balance alert (usage figures: services/usage.py)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from ..a1 import Code
from ..models import ApiKey, BalanceAlert, BatchItem, Budget, Generation, Team
from .errors import BudgetExceeded, SubmitRefused
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


def _used(*, user=None, team=None, transferring: BatchItem | None = None) -> int:
    """Points used this month: spent, held by unsettled runs, and held by batch items
    not yet sent (the item being turned into a run right now is not counted twice)."""
    scope = {"user": user} if user is not None else {"team": team}
    runs = Generation.objects.filter(**scope).this_month().points_used()
    items = BatchItem.objects.filter(
        state__in=BatchItem.HOLDING, **{f"batch__{k}": v for k, v in scope.items()}
    )
    if transferring is not None:
        items = items.exclude(pk=transferring.pk)
    held = items.aggregate(held=Sum("points", default=0))["held"]
    # Runs removed this month (trash purged, a member erased) left their points behind.
    removed = spent_by(**scope, since=timezone.localdate().replace(day=1))
    return runs + held + removed


def allowances(*, user) -> list[Allowance]:
    """This month's budget and use for the user and each of their teams."""
    mine = _used(user=user)
    budget = Budget.objects.filter(user=user).first()
    result = [Allowance(_("You"), budget.monthly_points if budget else None, mine)]
    for team in Team.objects.filter(memberships__user=user).select_related("budget"):
        used = _used(team=team)
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


def budget_check(
    *,
    user,
    team: Team | None,
    points: int,
    transferring: BatchItem | None = None,
    api_key: ApiKey | None = None,
) -> None:
    """Refuse a run the budgets or the account cannot pay, before anything reaches A1.

    Call it inside the transaction that writes the run's row (submission.run_open): it
    locks the budgets it reads, so concurrent submissions are counted one after another
    (row locks on PostgreSQL; SQLite's IMMEDIATE transactions serialise every writer).
    Used = spent + held by runs not yet settled + held by batch items not yet sent (the
    item being turned into this run is not counted twice). A run started with an API
    key is also held to the key's own monthly budget, counted over that key's runs.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("budget_check must run inside the transaction that holds the points")
    if balance_alert_active():
        raise SubmitRefused(
            _("New runs are paused: the A1 account is out of points. Staff have been told."),
            code=Code.BALANCE_INSUFFICIENT,
        )
    if api_key is not None:
        _key_budget_check(api_key, points, transferring)
    scope = Q(user=user) | Q(team=team) if team is not None else Q(user=user)
    # Ordered by pk so that two transactions always lock in the same order (no deadlock).
    budgets = list(Budget.objects.select_for_update().filter(scope).order_by("pk"))
    for budget in budgets:
        if budget.user_id:
            used = _used(user=user, transferring=transferring)
        else:
            used = _used(team=team, transferring=transferring)
        if used + points <= budget.monthly_points:
            continue
        values = {
            "cost": points,
            "left": max(budget.monthly_points - used, 0),
            "budget": budget.monthly_points,
            "team": getattr(team, "name", ""),
        }
        worded = _user_budget_words if budget.user_id else _team_budget_words
        raise BudgetExceeded(
            _worded(worded, values),
            scope="user" if budget.user_id else "team",
            code=Code.BALANCE_INSUFFICIENT,
        )


def _key_used(key: ApiKey, transferring: BatchItem | None = None) -> int:
    """Points a key used this month: its runs, and its batches' items not yet sent."""
    used = Generation.objects.filter(api_key=key).this_month().points_used()
    held = BatchItem.objects.filter(state__in=BatchItem.HOLDING, batch__api_key=key)
    if transferring is not None:
        held = held.exclude(pk=transferring.pk)
    return used + held.aggregate(points=Sum("points", default=0))["points"]


def key_allowance(*, api_key: ApiKey) -> Allowance | None:
    """The key's own monthly budget and use (None: the key has no budget of its own)."""
    if api_key.monthly_points is None:
        return None
    return Allowance(api_key.name, api_key.monthly_points, _key_used(api_key))


def _key_budget_check(api_key: ApiKey, points: int, transferring: BatchItem | None) -> None:
    # Locking the key's row serialises runs started with one key, as Budget rows do.
    key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if key.monthly_points is None:
        return
    used = _key_used(key, transferring)
    if used + points <= key.monthly_points:
        return
    values = {
        "cost": points,
        "left": max(key.monthly_points - used, 0),
        "budget": key.monthly_points,
        "name": key.name,
    }
    raise BudgetExceeded(
        _worded(_key_budget_words, values), scope="key", code=Code.BALANCE_INSUFFICIENT
    )


def _user_budget_words(values: dict) -> str:
    return (
        _(
            "This run costs %(cost)d points but you have %(left)d of your %(budget)d "
            "points left this month."
        )
        % values
    )


def _team_budget_words(values: dict) -> str:
    return (
        _(
            "This run costs %(cost)d points but the team %(team)s has %(left)d of its "
            "%(budget)d points left this month."
        )
        % values
    )


def _key_budget_words(values: dict) -> str:
    return (
        _(
            "This run costs %(cost)d points but the API key %(name)s has %(left)d of its "
            "%(budget)d points left this month."
        )
        % values
    )


def _worded(words: Callable[[dict], str], values: dict) -> str:
    """The message, put into words when shown: the form shows it in the reader's
    language, the REST API in English and Chinese side by side."""
    return lazy(functools.partial(words, values), str)()
