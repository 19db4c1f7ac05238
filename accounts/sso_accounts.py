"""Accounts for people who log in through single sign-on.

Who a person is comes from the provider's subject (`sub`), not from their address: the
first log-in links an identity to an account (SsoLink) and every later one follows the
link. That first link goes only through an email address the provider says is verified
(the backend refuses any other), and never to a staff or superuser account unless staff
made the link first, in the admin.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SsoLink
from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.models import GalleryStamp, Membership, Team

log = logging.getLogger(__name__)


class SsoRefused(Exception):
    """This person may not log in; the message is for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sso_account_resolve(
    *, issuer: str, subject: str, email: str, name: str, staff: bool | None, team_name: str
):
    """The account of the provider's identity `subject`: linked already, linked now to the
    account with this (verified) email, or made on the first log-in.

    A new account joins `team_name` (created if missing). `staff` is the provider's word
    on staff (None: it has none) and is applied at every log-in, both ways.
    """
    if not subject:
        raise SsoRefused(_("Single sign-on did not complete. Try again."))
    User = get_user_model()
    link = SsoLink.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if link is not None:
        user = link.user
        _active_or_refuse(user)
    else:
        matches = list(User.objects.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            log.warning("single sign-on: two accounts share one email address")
            raise SsoRefused(
                _("More than one account here uses %(email)s. Ask staff to fix that first.")
                % {"email": email}
            )
        if matches:
            user = matches[0]
            _active_or_refuse(user)
            with transaction.atomic():
                _link(user, issuer=issuer, subject=subject)
                audit_record(
                    act=Act.SSO_ACCOUNT_LINKED, actor=user, subject=user, target=issuer[:200]
                )
        else:
            try:
                user = _create(
                    User,
                    issuer=issuer,
                    subject=subject,
                    email=email,
                    name=name,
                    team_name=team_name,
                )
            except IntegrityError:  # the same person's first log-in in another tab won the race
                links = SsoLink.objects.select_related("user").filter(
                    issuer=issuer, subject=subject
                )
                if not links.exists():
                    raise SsoRefused(_("Single sign-on did not complete. Try again.")) from None
                user = links.get().user
    if staff is not None and (user.is_staff, user.is_superuser) != (staff, staff):
        # Staff here see everything and run the admin: the provider's group grants both.
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_staff=staff, is_superuser=staff)
            audit_record(
                act=Act.PERSON_CHANGED,
                actor=user,
                subject=user,
                target=issuer[:200],
                before={"is_staff": user.is_staff, "is_superuser": user.is_superuser},
                after={"is_staff": staff, "is_superuser": staff},
            )
        user.is_staff = user.is_superuser = staff
    return user


def _active_or_refuse(user) -> None:
    if not user.is_active:
        raise SsoRefused(_("Your account here is disabled. Ask staff to enable it."))


def _link(user, *, issuer: str, subject: str) -> None:
    """Link the identity to an existing account with the same verified address: the link
    staff made for it, or a new one if the account is neither staff nor superuser."""
    now = timezone.now()
    made_by_staff = SsoLink.objects.filter(user=user).first()
    if made_by_staff is None and (user.is_staff or user.is_superuser):
        log.warning("single sign-on: refused to link a staff account that staff did not link")
        raise SsoRefused(
            _(
                "An administrator account here uses this email address. Single sign-on may "
                "log in to it only once staff have linked it: ask an administrator."
            )
        )
    try:
        with transaction.atomic():
            if made_by_staff is None:
                SsoLink.objects.create(user=user, issuer=issuer, subject=subject, linked_at=now)
                return
            claimed = SsoLink.objects.filter(pk=made_by_staff.pk, subject="").update(
                issuer=issuer, subject=subject, linked_at=now
            )
    except IntegrityError:  # a log-in in another tab linked it a moment ago
        claimed = SsoLink.objects.filter(user=user, issuer=issuer, subject=subject).exists()
    if not claimed:
        raise SsoRefused(
            _("Your account here is linked to another sign-on identity. Ask staff to check it.")
        )


def _create(User, *, issuer: str, subject: str, email: str, name: str, team_name: str):
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
        SsoLink.objects.create(user=user, issuer=issuer, subject=subject, linked_at=timezone.now())
        team = None
        if team_name:
            team, _created = Team.objects.get_or_create(name=team_name)
            Membership.objects.create(team=team, user=user)
            GalleryStamp.objects.bump(teams=[team.pk])
        audit_record(
            act=Act.SSO_ACCOUNT_CREATED,
            actor=user,
            subject=user,
            team=team,
            target=issuer[:200],
            after={"team": team_name or None},
        )
    return user


def _free_username(User, email: str) -> str:
    """The email address itself, unless a local account already took it as a name."""
    base = email[:140]
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate
