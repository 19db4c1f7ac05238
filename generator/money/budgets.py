"""Who may still spend: `spend_check`, monthly budgets and the account-balance alert.

What was used comes from the ledger (generator/money/ledger.py); usage figures for staff
from services/usage.py.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from a1 import Code
from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.errors import BudgetExceeded, SpendingStopped, SubmitRefused
from generator.models import ApiKey, BalanceAlert, BatchItem, Budget, Team
from generator.money.alerts import account_out_of_points_alert
from generator.money.ledger import points_held, points_used
from generator.runs.definitions import app_allowed

logger = logging.getLogger(__name__)


@dataclass
class Allowance:
    label: str
    budget: int | None  # None: no limit set
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else max(self.budget - self.used, 0)


def _used(*, user=None, team=None, api_key=None, transferring: BatchItem | None = None) -> int:
    """Points used this month, from the ledger; the item being turned into a run right
    now is not counted twice (its hold is about to become the run's)."""
    used = points_used(user=user, team=team, api_key=api_key)
    if transferring is not None:
        used -= points_held(item_ids=[transferring.pk])
    return used


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
            account_out_of_points_alert(message=message)  # staff hear at once
    except IntegrityError:
        return
    logger.error("A1 says the account balance is insufficient: new runs are paused")


def balance_alert_clear(*, user) -> int:
    with transaction.atomic():
        cleared = BalanceAlert.objects.filter(active=True).update(
            active=False, cleared_at=timezone.now(), cleared_by=user
        )
        if cleared:
            audit_record(act=Act.BALANCE_ALERT_CLEARED, actor=user, target="A1 account")
    return cleared


def spend_check(
    *,
    user,
    team: Team | None,
    points: int,
    app_id: str | None,
    api_key: ApiKey | None = None,
    transferring: BatchItem | None = None,
) -> None:
    """The one answer to "may this actor start paid work now?"; raises SubmitRefused if not.

    Every path that spends calls it inside the transaction that writes the hold (the run
    form, enhance, rerun, remix, presets, the REST API, the gateway, batch start and
    retry, and the worker's pacer when it turns a batch item into a run):

    - the person is active, and the key (if any) is theirs and not revoked;
    - the app is allowed (APPS_ALLOW_ANY=0; `app_id` None: not an app, e.g. enhance);
    - the A1 account is not out of points (no active balance alert);
    - the person's, the team's and the key's monthly budgets have room for `points`.

    It locks the person's row, the key's and the budgets it reads, in that order, so
    concurrent submissions are counted one after another, and a deactivation or a
    revocation (which write those rows) is never overtaken by a spend that read the
    old state (row locks on PostgreSQL; SQLite's IMMEDIATE transactions serialise
    every writer). The locks are FOR NO KEY UPDATE: they wait for each other and for
    any change to those rows, but not for rows that merely name them (a ledger entry or
    a run naming the person takes a KEY SHARE lock on PostgreSQL), so a spend check never
    waits on a transaction that is settling another run of the same person, which may
    itself be waiting for a month total this check's transaction holds (a deadlock seen
    under parallel batch sends). The item being turned into this run is not counted twice.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("spend_check must run inside the transaction that holds the points")
    _actor_check(user=user, api_key=api_key)
    if app_id is not None and not app_allowed(user=user, app_id=app_id):
        raise SpendingStopped(
            _("This app is not approved for use here. Ask staff to allow it."),
            reason="app_not_allowed",
            code=Code.APP_API_DISABLED,
        )
    if balance_alert_active():
        raise SubmitRefused(
            _("New runs are paused: the A1 account is out of points. Staff have been told."),
            code=Code.BALANCE_INSUFFICIENT,
        )
    if api_key is not None:
        _key_budget_check(api_key, points, transferring)
    scope = Q(user=user) | Q(team=team) if team is not None else Q(user=user)
    # Ordered by pk so that two transactions always lock in the same order (no deadlock).
    budgets = list(Budget.objects.select_for_update(no_key=True).filter(scope).order_by("pk"))
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


def _actor_check(*, user, api_key: ApiKey | None) -> None:
    """The person is still active and the key still theirs and not revoked (locked)."""
    people = get_user_model()._default_manager.select_for_update(no_key=True)
    if not people.filter(pk=user.pk, is_active=True).exists():
        raise SpendingStopped(
            _("This account is deactivated: it cannot start new runs."),
            reason="inactive",
            code=Code.INVALID_API_KEY,
        )
    if api_key is None:
        return
    live = ApiKey.objects.select_for_update(no_key=True).filter(
        pk=api_key.pk, user_id=user.pk, revoked_at__isnull=True
    )
    if not live.exists():
        raise SpendingStopped(
            _("This API key has been revoked: it cannot start new runs."),
            reason="key_revoked",
            code=Code.INVALID_API_KEY,
        )


def key_allowance(*, api_key: ApiKey) -> Allowance | None:
    """The key's own monthly budget and use (None: the key has no budget of its own)."""
    if api_key.monthly_points is None:
        return None
    return Allowance(api_key.name, api_key.monthly_points, _used(api_key=api_key))


def _key_budget_check(api_key: ApiKey, points: int, transferring: BatchItem | None) -> None:
    # Locking the key's row serialises runs started with one key, as Budget rows do.
    key = ApiKey.objects.select_for_update(no_key=True).get(pk=api_key.pk)
    if key.monthly_points is None:
        return
    used = _used(api_key=key, transferring=transferring)
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
