"""Team membership: invites, joining, sign-up, and each user's sharing defaults."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import services
from ..forms import PreferencesForm
from ..models import Invite, Membership, Team
from ..services import teams as teams_services
from . import HtmxHttpRequest

NEW_INVITE_KEY = "new-invite"


def _managed_team_or_404(user, team_id: int) -> Team:
    """A team the user manages; 404 for any other (its existence stays hidden)."""
    team = Team.objects.filter(pk=team_id, memberships__user=user).first()
    if team is None or not services.is_manager(user=user, team=team):
        raise Http404
    return team


@login_required
@require_POST
def invite(request: HtmxHttpRequest, team_id: int):
    team = _managed_team_or_404(request.user, team_id)
    created = services.invite_create(team=team, by=request.user)
    link = request.build_absolute_uri(f"/team/join/{created.token}/")
    # The team page shows it once, as a link with a copy button (not only as text).
    request.session[NEW_INVITE_KEY] = {"team": team.name, "link": link}
    return redirect("team")


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
        teams_services.membership_remove(membership=membership)
    except teams_services.TeamRuleError as exc:
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
        teams_services.membership_set_role(membership=membership, role=request.POST.get("role", ""))
    except teams_services.TeamRuleError as exc:
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
    teams_services.team_settings_update(
        team=team, share_new_runs=request.POST.get("share_new_runs") == "on"
    )
    messages.success(request, _("Team settings saved."))
    return redirect("team")


@require_http_methods(["GET", "POST"])
def join(request: HtmxHttpRequest, token: str):
    invitation = Invite.objects.select_related("team").filter(token=token).first()
    if invitation is None or not invitation.usable:
        return render(request, "library/join.html", {"invalid": True}, status=404)
    form = None
    if request.user.is_authenticated:
        if request.method == "POST":
            services.invite_accept(invite=invitation, user=request.user)
            messages.success(request, _("You joined %(team)s.") % {"team": invitation.team.name})
            return redirect("team")
    else:
        # The invite is the permission to sign up, even when open sign-up is off.
        form = UserCreationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = form.save()
            services.invite_accept(invite=invitation, user=user)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("team")
    return render(request, "library/join.html", {"invite": invitation, "form": form})


@require_http_methods(["GET", "POST"])
def signup(request: HtmxHttpRequest):
    if not settings.OPEN_SIGNUP:
        raise Http404
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("app_index")
    return render(request, "registration/signup.html", {"form": form})


@login_required
@require_POST
def preferences(request: HtmxHttpRequest):
    form = PreferencesForm(request.POST, teams=services.teams_of(request.user))
    if form.is_valid():
        services.preferences_update(
            user=request.user,
            visibility=form.cleaned_data["visibility"],
            team=form.cleaned_data.get("team"),
        )
        messages.success(request, _("Your defaults are saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("team")
