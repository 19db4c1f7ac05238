"""Teams: one-time invites, members and roles, and the sharing defaults of new runs.

An invite stands on the authority of the manager who made it: when that person is
removed from the team (or leaves it) or stops being a manager, their pending invites
are deleted in the same transaction, and a claim checks again that its maker still
manages the team (or is staff), so a change made in the admin ends them too.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.errors import SubmitRefused
from generator.models import GalleryStamp, Invite, Membership, Preferences, Team, sharing_defaults

INVITE_DAYS = 7

logger = logging.getLogger(__name__)


class InviteUnusable(ValueError):
    """The invite was used (someone claimed it first), revoked or expired meanwhile."""


class SignUpRefused(Exception):
    """The account could not be created; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_manager(*, user, team: Team) -> bool:
    return Membership.objects.filter(user=user, team=team, role=Membership.Role.MANAGER).exists()


def invite_create(
    *, team: Team, by, role: str = Membership.Role.MEMBER, email: str = "", site: str = ""
) -> Invite:
    """A one-time link into the team with the role it gives; `email` names whom it is for
    (the account made through it starts with that address). With `site` (the address
    people open the portal at), the link is emailed there: `sent_at` says it went."""
    with transaction.atomic():
        invite = Invite.objects.create(
            team=team,
            role=role,
            email=email,
            created_by=by,
            token=secrets.token_urlsafe(32),
            expires=timezone.now() + timedelta(days=INVITE_DAYS),
        )
        audit_record(
            act=Act.INVITE_CREATED,
            actor=by,
            team=team,
            target=f"invite {invite.pk}",
            after={"role": role, "email": email, "expires": invite.expires.isoformat()},
        )
        GalleryStamp.objects.bump(teams=[team.pk])
    if email and site:
        link = site.rstrip("/") + reverse("team_join", args=[invite.token])
        if invite_send(invite=invite, link=link):
            invite.refresh_from_db(fields=["sent_at"])
    return invite


def invite_send(*, invite: Invite, link: str) -> bool:
    """Email the invite's link to the address it names, in the sender's language (the
    page's). True when the mail server took it; False when no server is configured, the
    invite names no address, or the server refused or did not answer (its timeout)."""
    if not (settings.EMAIL_CONFIGURED and invite.email):
        return False
    words = {
        "team": invite.team.name,
        "inviter": invite.created_by.get_username(),
        "date": formats.date_format(timezone.localtime(invite.expires), "DATE_FORMAT"),
    }
    role = Membership.Role(invite.role).label
    body = "\n\n".join(
        [
            _("%(inviter)s invites you to the team %(team)s on A1 Studio.") % words,
            _("You would join as: %(role)s.") % {"role": role},
            _("Open this link to join (it works once, until %(date)s):") % words + "\n" + link,
            _("If you did not expect this, ignore this email: nothing happens without you."),
        ]
    )
    try:
        send_mail(
            subject=_("A1 Studio: an invite to %(team)s") % words,
            message=body,
            from_email=None,
            recipient_list=[invite.email],
            fail_silently=False,
        )
    except (OSError, smtplib.SMTPException):
        logger.exception("The invite %s could not be emailed", invite.pk)
        return False
    Invite.objects.filter(pk=invite.pk).update(sent_at=timezone.now())
    return True


def invites_live(now=None) -> QuerySet[Invite]:
    """Invites whose link still works: unused, unexpired, and made by someone who still
    manages the team (or by staff)."""
    maker_manages = Membership.objects.filter(
        team=OuterRef("team"), user=OuterRef("created_by"), role=Membership.Role.MANAGER
    )
    return Invite.objects.filter(
        Q(Exists(maker_manages)) | Q(created_by__is_staff=True),
        used_at__isnull=True,
        expires__gt=now or timezone.now(),
    )


def invite_accept(*, invite: Invite, user) -> Membership:
    """Join the team; the link then stops working. Of two people racing for one link,
    the second gets InviteUnusable and nothing of theirs is written."""
    now = timezone.now()
    with transaction.atomic():
        # Lock the row first, then decide: an UPDATE whose liveness test sits in a
        # subquery (the maker's membership) is not re-checked by PostgreSQL against the
        # row a racing claim just wrote, so two claims would both succeed there.
        Invite.objects.select_for_update().filter(pk=invite.pk).first()
        if not invites_live(now).filter(pk=invite.pk).exists():
            raise InviteUnusable
        claimed = Invite.objects.filter(pk=invite.pk, used_at__isnull=True).update(
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
        audit_record(
            act=Act.MEMBER_ADDED,
            actor=user,
            subject=user,
            team=invite.team,
            target=f"invite {invite.pk}",
            after={"role": membership.role},
        )
        GalleryStamp.objects.bump(users=[user.pk], teams=[invite.team_id])
    return membership


def invite_sign_up(*, invite: Invite, username: str, password: str):
    """A new account that joins the team through the invite: both or neither.

    The invite is what allows the sign-up, so when the claim fails (InviteUnusable) the
    account is rolled back with it.
    """
    User = get_user_model()
    user = User(**{User.USERNAME_FIELD: username})
    # The address the invite names, unless another account has it (one address, one person).
    if invite.email and not User._default_manager.filter(email__iexact=invite.email).exists():
        user.email = invite.email
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
    with transaction.atomic():
        deleted, _rows = Invite.objects.filter(pk=invite.pk, used_at__isnull=True).delete()
        if deleted:
            audit_record(
                act=Act.INVITE_REVOKED,
                team=invite.team,
                target=f"invite {invite.pk}",
                before={"role": invite.role},
            )
        GalleryStamp.objects.bump(teams=[invite.team_id])
    return bool(deleted)


def teams_with_pending_invites(user) -> QuerySet:
    """The user's teams, each with `pending_invites`: unused, unexpired invites, newest
    first, only for the teams the user manages (empty for the others)."""
    pending = (
        invites_live()
        .filter(team__memberships__user=user, team__memberships__role=Membership.Role.MANAGER)
        .order_by("-created")
    )
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
    preferences.chosen = True
    preferences.save(update_fields=["default_visibility", "default_team", "chosen"])
    GalleryStamp.objects.bump(users=[user.pk])
    return preferences


def default_sharing(*, user) -> tuple[str, Team | None]:
    """(visibility, team) a new run starts with.

    The user's own saved defaults win; until they save any, a team that shares new runs
    by default (the user's default team, else their first) makes them start shared.
    """
    return sharing_defaults(user)


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


def _invites_end(membership: Membership) -> None:
    """The pending invites this member made for this team die with their authority."""
    Invite.objects.filter(
        team_id=membership.team_id, created_by_id=membership.user_id, used_at__isnull=True
    ).delete()


def membership_remove(*, membership: Membership) -> None:
    """Take someone out of a team (or let them leave); a team keeps at least one manager.

    Their runs stay theirs; those shared with the team stay visible to it. The invites
    they made for it stop working.
    """
    with transaction.atomic():
        if membership.role == Membership.Role.MANAGER and not _managers_left(membership):
            raise TeamRuleError(_("A team needs a manager: make someone else manager first."))
        Membership.objects.filter(pk=membership.pk).delete()
        audit_record(
            act=Act.MEMBER_REMOVED,
            subject=membership.user,
            team=membership.team,
            before={"role": membership.role},
        )
        _invites_end(membership)
        Preferences.objects.filter(
            user_id=membership.user_id, default_team_id=membership.team_id
        ).update(default_team=None)
        GalleryStamp.objects.bump(users=[membership.user_id], teams=[membership.team_id])


def membership_set_role(*, membership: Membership, role: str) -> None:
    """Make someone member or manager; a manager made member loses the invites they made."""
    if role not in Membership.Role.values:
        raise TeamRuleError(_("Choose member or manager."))
    with transaction.atomic():
        demoted = role != Membership.Role.MANAGER and membership.role == Membership.Role.MANAGER
        if demoted and not _managers_left(membership):
            raise TeamRuleError(_("A team needs a manager: make someone else manager first."))
        Membership.objects.filter(pk=membership.pk).update(role=role)
        if role != membership.role:
            audit_record(
                act=Act.ROLE_CHANGED,
                subject=membership.user,
                team=membership.team,
                before={"role": membership.role},
                after={"role": role},
            )
        if demoted:
            _invites_end(membership)
        GalleryStamp.objects.bump(users=[membership.user_id], teams=[membership.team_id])
    membership.role = role


UNCHANGED = object()


def team_settings_update(
    *, team: Team, share_new_runs: bool, approval_threshold: int | object | None = UNCHANGED
) -> None:
    """The team's settings, as its managers set them: sharing new runs by default, and
    the quote (points) over which a run or batch waits for a manager's approval (None:
    no threshold of the team's own). Each change is one audit entry, before and after."""
    new: dict[str, object] = {"share_new_runs": share_new_runs}
    if approval_threshold is not UNCHANGED:
        new["approval_threshold"] = approval_threshold
    old = {name: getattr(team, name) for name in new}
    with transaction.atomic():
        Team.objects.filter(pk=team.pk).update(**new)
        changed = [name for name in new if new[name] != old[name]]
        if changed:
            audit_record(
                act=Act.TEAM_CHANGED,
                team=team,
                before={name: old[name] for name in changed},
                after={name: new[name] for name in changed},
            )
        GalleryStamp.objects.bump(teams=[team.pk])
    for name, value in new.items():
        setattr(team, name, value)


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
