"""Team membership: invites, joining, sign-up, and each user's sharing defaults."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.htmx import HtmxHttpRequest, LoggedInHttpRequest
from generator.models import Invite, Membership, Team
from generator.teams import services as teams
from generator.teams.forms import InviteForm, PreferencesForm
from generator.teams.services import InviteUnusable, SignUpRefused, invite_revoke, invite_sign_up


def _managed_team_or_404(user, team_id: int) -> Team:
    """A team the user manages; 404 for any other (its existence stays hidden)."""
    team = Team.objects.filter(pk=team_id, memberships__user=user).first()
    if team is None or not teams.is_manager(user=user, team=team):
        raise Http404
    return team


@login_required
@require_POST
def invite(request: HtmxHttpRequest, team_id: int):
    team = _managed_team_or_404(request.user, team_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        # The team page is a gallery that shows many teams: the cause is told in a banner.
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(f"/team/#invites-form-{team.pk}")
    email = form.cleaned_data["email"]
    created = teams.invite_create(
        team=team,
        by=request.user,
        role=form.cleaned_data["role"] or Membership.Role.MEMBER,
        email=email,
        site=settings.SITE_URL or f"{request.scheme}://{request.get_host()}",
    )
    if not email:
        messages.success(
            request,
            _("A new one-time invite link for %(team)s is ready under Pending invites.")
            % {"team": team.name},
        )
    elif created.sent_at:
        messages.success(
            request,
            _("The invite is emailed to %(email)s. Its link is also under Pending invites.")
            % {"email": email},
        )
    elif settings.EMAIL_CONFIGURED:
        messages.error(
            request,
            _(
                "The mail server did not take the invite to %(email)s: copy its link under "
                "Pending invites and send it yourself."
            )
            % {"email": email},
        )
    else:
        messages.warning(
            request,
            _(
                "This portal sends no email: copy the invite's link under Pending invites and "
                "send it to %(email)s yourself."
            )
            % {"email": email},
        )
    return redirect(f"/team/#invite-{created.pk}")


@login_required
@require_POST
def member_remove(request: HtmxHttpRequest, team_id: int, membership_id: int):
    """A manager takes someone out of the team, or a member leaves it."""
    membership = get_object_or_404(
        Membership.objects.select_related("user", "team"), pk=membership_id, team_id=team_id
    )
    if membership.user_id != request.user.id:
        _managed_team_or_404(request.user, team_id)
    try:
        teams.membership_remove(membership=membership)
    except teams.TeamRuleError as exc:
        messages.error(request, exc.message)
    else:
        if membership.user_id == request.user.id:
            messages.success(request, _("You left %(team)s.") % {"team": membership.team.name})
        else:
            messages.success(
                request,
                _("%(user)s is no longer in %(team)s.")
                % {"user": membership.user.get_username(), "team": membership.team.name},
            )
    return redirect("team")


@login_required
@require_POST
def member_role(request: HtmxHttpRequest, team_id: int, membership_id: int):
    team = _managed_team_or_404(request.user, team_id)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, team=team
    )
    try:
        teams.membership_set_role(membership=membership, role=request.POST.get("role", ""))
    except teams.TeamRuleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user.get_username(), "role": membership.get_role_display()},
        )
    return redirect("team")


@login_required
@require_POST
def team_settings(request: HtmxHttpRequest, team_id: int):
    team = _managed_team_or_404(request.user, team_id)
    raw = request.POST.get("approval_threshold", "").strip()
    if raw and not (raw.isdigit() and 0 < int(raw) <= 10_000_000):
        messages.error(
            request,
            _(
                "The approval threshold must be a whole number of points above 0, or empty for none."
            ),
        )
        return redirect(f"/team/#team-{team.pk}-threshold")
    teams.team_settings_update(
        team=team,
        share_new_runs=request.POST.get("share_new_runs") == "on",
        approval_threshold=int(raw) if raw else None,
    )
    messages.success(request, _("Team settings saved."))
    return redirect("team")


@require_http_methods(["GET", "POST"])
def join(request: HtmxHttpRequest, token: str):
    invitation = Invite.objects.select_related("team").filter(token=token).first()
    user_id = request.user.id if request.user.is_authenticated else None
    if invitation is not None and user_id and invitation.used_by_id == user_id:
        return redirect("team")  # a second click on the same button: already in
    if invitation is None or not teams.invites_live().filter(pk=invitation.pk).exists():
        # A claim posted just after someone else's: say so, rather than "does not work".
        # (Read again: it may have been claimed since this request first read it.)
        taken = (
            request.method == "POST"
            and invitation is not None
            and Invite.objects.filter(pk=invitation.pk, used_at__isnull=False).exists()
        )
        context = {"invalid": True, "taken": taken}
        return render(request, "teams/join.html", context, status=409 if taken else 404)
    form: UserCreationForm[User] | None = None
    try:
        if request.user.is_authenticated:
            if request.method == "POST":
                teams.invite_accept(invite=invitation, user=request.user)
                messages.success(
                    request, _("You joined %(team)s.") % {"team": invitation.team.name}
                )
                return redirect("team")
        elif not settings.LOCAL_ACCOUNTS:
            return redirect_to_login(request.get_full_path())  # single sign-on, then back here
        else:
            # The invite is the permission to sign up, even when open sign-up is off.
            form = UserCreationForm(request.POST or None)
            if request.method == "POST" and form.is_valid():
                user = invite_sign_up(
                    invite=invitation,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password1"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request, _("You joined %(team)s.") % {"team": invitation.team.name}
                )
                return redirect("team")
    except InviteUnusable:
        # Someone claimed the link a moment before this request did.
        return render(request, "teams/join.html", {"invalid": True, "taken": True}, status=409)
    except SignUpRefused as exc:
        assert form is not None  # only signing up with the form is refused
        form.add_error("username", exc.message)
    return render(request, "teams/join.html", {"invite": invitation, "form": form})


@login_required
@require_POST
def revoke(request: LoggedInHttpRequest, invite_id: int):
    invitation = Invite.objects.filter(
        pk=invite_id,
        team__memberships__user=request.user,
        team__memberships__role=Membership.Role.MANAGER,
    ).first()
    if invitation is None:
        raise Http404
    if invite_revoke(invite=invitation):
        messages.success(request, _("The invite is revoked: its link no longer works."))
    else:
        messages.error(request, _("That invite was used before it could be revoked."))
    return redirect("team")


@login_required
@require_POST
def preferences(request: HtmxHttpRequest):
    form = PreferencesForm(request.POST, teams=teams.teams_of(user=request.user))
    if form.is_valid():
        teams.preferences_update(
            user=request.user,
            visibility=form.cleaned_data["visibility"],
            team=form.cleaned_data.get("team"),
        )
        messages.success(request, _("Your defaults are saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("team")
