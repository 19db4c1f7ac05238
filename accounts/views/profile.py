"""A person's profile page, the time zone their browser reports, and the top bar's
language switch (which, for someone logged in, is their choice of language too)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ProfileForm
from accounts.profiles import (
    profile_get,
    profile_language_set,
    profile_time_zone_guess,
    profile_update,
)
from common.htmx import HtmxHttpRequest, redirect_after_post


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HtmxHttpRequest):
    user = request.user
    assert user.is_authenticated  # login_required
    current = profile_get(user=user)
    initial = {
        "email": user.email,
        "display_name": current.display_name if settings.LOCAL_ACCOUNTS else user.get_full_name(),
        "time_zone": current.time_zone or settings.TIME_ZONE,
        "language": current.language,
    }
    form = ProfileForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST" and form.is_valid():
        saved = profile_update(user=user, **form.cleaned_data)
        # This response is already in the old language: the message is in the new one.
        with translation.override(saved.language or translation.get_language()):
            messages.success(request, _("Your profile is saved."))
        return redirect_after_post(request, reverse("profile"))
    context = {
        "form": form,
        "local_accounts": settings.LOCAL_ACCOUNTS and user.has_usable_password(),
        "provider": settings.SSO_NAME,
    }
    return render(request, "accounts/profile.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def time_zone_guess(request: HtmxHttpRequest):
    """The browser's zone (Intl), sent once by a page while the profile has none."""
    saved = profile_time_zone_guess(user=request.user, time_zone=request.POST.get("time_zone", ""))
    return HttpResponse(status=204 if saved else 400)


@require_POST
def set_language(request):
    """Django's language switch; for someone logged in, also saved on their profile (it
    is what every page follows for them, whatever the cookie says)."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        profile_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
