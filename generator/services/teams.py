"""Teams: one-time invites, and each user's sharing defaults."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Invite, Membership, Preferences, Team
from .errors import SubmitRefused

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
    preferences.save(update_fields=["default_visibility", "default_team"])
    return preferences


def teams_of(*, user) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")


def billing_team(*, user, chosen: int | None = None) -> Team | None:
    """The team a run counts against: the one chosen, else the default, else the first.

    A chosen team the user is not in is refused rather than quietly replaced, so a
    script that names the wrong team learns it before anything is spent.
    """
    teams = teams_of(user=user)
    if chosen is not None:
        team = teams.filter(pk=chosen).first()
        if team is None:
            raise SubmitRefused(_("You are not a member of that team."), "team")
        return team
    default = preferences_for(user).default_team
    if default is not None and teams.filter(pk=default.pk).exists():
        return default
    return teams.first()
