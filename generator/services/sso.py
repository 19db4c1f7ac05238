"""Accounts for people who log in through single sign-on."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import GalleryStamp, Membership, Team

log = logging.getLogger(__name__)


class SsoRefused(Exception):
    """This person may not log in; the message is for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sso_account_resolve(*, email: str, name: str, staff: bool | None, team_name: str):
    """The account for a verified email: found, or made on the first log-in.

    A new account joins `team_name` (created if missing). `staff` is the provider's word
    on staff (None: it has none) and is applied at every log-in, both ways.
    """
    User = get_user_model()
    matches = list(User.objects.filter(email__iexact=email)[:2])
    if len(matches) > 1:
        log.warning("single sign-on: two accounts share one email address")
        raise SsoRefused(
            _("More than one account here uses %(email)s. Ask staff to fix that first.")
            % {"email": email}
        )
    if matches:
        user = matches[0]
        if not user.is_active:
            raise SsoRefused(_("Your account here is disabled. Ask staff to enable it."))
    else:
        try:
            user = _create(User, email=email, name=name, team_name=team_name)
        except IntegrityError:  # the same person's first log-in in another tab won the race
            user = User.objects.get(email__iexact=email)
    if staff is not None and (user.is_staff, user.is_superuser) != (staff, staff):
        # Staff here see everything and run the admin: the provider's group grants both.
        User.objects.filter(pk=user.pk).update(is_staff=staff, is_superuser=staff)
        user.is_staff = user.is_superuser = staff
    return user


def _create(User, *, email: str, name: str, team_name: str):
    first, _space, last = name.strip().partition(" ")
    with transaction.atomic():
        user = User(
            username=_free_username(User, email),
            email=email,
            first_name=first[:150],
            last_name=last[:150],
        )
        user.set_unusable_password()  # never a password: the provider vouches for them
        user.save()
        if team_name:
            team, _created = Team.objects.get_or_create(name=team_name)
            Membership.objects.create(team=team, user=user)
            GalleryStamp.objects.bump(teams=[team.pk])
    return user


def _free_username(User, email: str) -> str:
    """The email address itself, unless a local account already took it as a name."""
    base = email[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate
