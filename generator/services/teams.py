"""Teams: one-time invites, members and roles, and the sharing defaults of new runs."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Generation, Invite, Membership, Preferences, Team

INVITE_DAYS = 7


def is_manager(*, user, team: Team) -> bool:
    return Membership.objects.filter(user=user, team=team, role=Membership.Role.MANAGER).exists()


def invite_create(*, team: Team, by, role: str = Membership.Role.MEMBER) -> Invite:
    return Invite.objects.create(
        team=team,
        role=role,
        created_by=by,
        token=secrets.token_urlsafe(32),
        expires=timezone.now() + timedelta(days=INVITE_DAYS),
    )


def invite_accept(*, invite: Invite, user) -> Membership:
    """Join the team; the link then stops working (even if two people race for it)."""
    with transaction.atomic():
        used = Invite.objects.filter(
            pk=invite.pk, used_at__isnull=True, expires__gt=timezone.now()
        ).update(used_at=timezone.now(), used_by=user)
        if not used:
            raise ValueError("invite already used or expired")
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    team=invite.team, user=user, role=invite.role
                )
        except IntegrityError:
            membership = Membership.objects.get(team=invite.team, user=user)
    preferences = preferences_for(user)
    if preferences.default_team is None:
        preferences.default_team = invite.team
        preferences.save(update_fields=["default_team"])
    return membership


def preferences_for(user) -> Preferences:
    preferences, _ = Preferences.objects.get_or_create(user=user)
    return preferences


def preferences_update(*, user, visibility: str, team: Team | None) -> Preferences:
    preferences = preferences_for(user)
    preferences.default_visibility = visibility
    preferences.default_team = team
    preferences.chosen = True
    preferences.save(update_fields=["default_visibility", "default_team", "chosen"])
    return preferences


def default_sharing(*, user) -> tuple[str, Team | None]:
    """(visibility, team) a new run starts with.

    The user's own saved defaults win; until they save any, a team that shares new runs
    by default (the user's default team, else their first) makes them start shared.
    """
    preferences = preferences_for(user)
    team = billing_team(user=user)
    if not preferences.chosen and team is not None and team.share_new_runs:
        return Generation.Visibility.TEAM, team
    return preferences.default_visibility, preferences.default_team or team


class TeamRuleError(Exception):
    """A change to a team that would leave it without a manager."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _managers_left(membership: Membership) -> int:
    """Managers of the team besides this one; the rows stay locked until the commit, so
    two managers demoting each other at once cannot leave the team without one."""
    managers = Membership.objects.select_for_update().filter(
        team_id=membership.team_id, role=Membership.Role.MANAGER
    )
    return sum(1 for m in managers if m.pk != membership.pk)


def membership_remove(*, membership: Membership) -> None:
    """Take someone out of a team (or let them leave); a team keeps at least one manager.

    Their runs stay theirs; those shared with the team stay visible to it.
    """
    with transaction.atomic():
        if membership.role == Membership.Role.MANAGER and not _managers_left(membership):
            raise TeamRuleError(_("A team needs a manager: make someone else manager first."))
        Membership.objects.filter(pk=membership.pk).delete()
        Preferences.objects.filter(
            user_id=membership.user_id, default_team_id=membership.team_id
        ).update(default_team=None)


def membership_set_role(*, membership: Membership, role: str) -> None:
    if role not in Membership.Role.values:
        raise TeamRuleError(_("Choose member or manager."))
    with transaction.atomic():
        demoted = role != Membership.Role.MANAGER and membership.role == Membership.Role.MANAGER
        if demoted and not _managers_left(membership):
            raise TeamRuleError(_("A team needs a manager: make someone else manager first."))
        Membership.objects.filter(pk=membership.pk).update(role=role)
    membership.role = role


def team_settings_update(*, team: Team, share_new_runs: bool) -> None:
    Team.objects.filter(pk=team.pk).update(share_new_runs=share_new_runs)
    team.share_new_runs = share_new_runs


def billing_team(*, user, chosen: Team | None = None) -> Team | None:
    """The team a run counts against: the one chosen, else the default, else the first."""
    teams = Team.objects.filter(memberships__user=user)
    if chosen is not None and teams.filter(pk=chosen.pk).exists():
        return chosen
    default = preferences_for(user).default_team
    if default is not None and teams.filter(pk=default.pk).exists():
        return default
    return teams.order_by("name").first()
