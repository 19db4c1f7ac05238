"""Teams: one-time invites, and each user's sharing defaults."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Invite, Membership, Preferences, Team
from .errors import SubmitRefused

INVITE_DAYS = 7


class InviteUnusable(ValueError):
    """The invite was used (someone claimed it first), revoked or expired meanwhile."""


class SignUpRefused(Exception):
    """The account could not be created; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    """Join the team; the link then stops working. Of two people racing for one link,
    the second gets InviteUnusable and nothing of theirs is written."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Invite.objects.filter(pk=invite.pk, used_at__isnull=True, expires__gt=now).update(
            used_at=now, used_by=user
        )
        if not claimed:
            raise InviteUnusable
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


def invite_sign_up(*, invite: Invite, username: str, password: str):
    """A new account that joins the team through the invite: both or neither.

    The invite is what allows the sign-up, so when the claim fails (InviteUnusable) the
    account is rolled back with it.
    """
    User = get_user_model()
    user = User(**{User.USERNAME_FIELD: username})
    user.set_password(password)  # the slow part, done before the transaction
    try:
        with transaction.atomic():
            user.save()
            invite_accept(invite=invite, user=user)
    except IntegrityError:
        raise SignUpRefused(
            _("Someone took that username a moment ago. Please choose another.")
        ) from None
    return user


def invite_revoke(*, invite: Invite) -> bool:
    """Withdraw a pending invite; its link stops working. False if it was used meanwhile."""
    deleted, _rows = Invite.objects.filter(pk=invite.pk, used_at__isnull=True).delete()
    return bool(deleted)


def teams_with_pending_invites(user) -> QuerySet:
    """The user's teams, each with `pending_invites`: unused, unexpired invites, newest
    first, only for the teams the user manages (empty for the others)."""
    pending = Invite.objects.filter(
        used_at__isnull=True,
        expires__gt=timezone.now(),
        team__memberships__user=user,
        team__memberships__role=Membership.Role.MANAGER,
    ).order_by("-created")
    return (
        Team.objects.filter(memberships__user=user)
        .order_by("name")
        .prefetch_related(Prefetch("invites", queryset=pending, to_attr="pending_invites"))
    )


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
