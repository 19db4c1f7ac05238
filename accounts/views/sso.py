"""Single sign-on pages: the log-in choice, the round trip to the provider, log-out."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.sso import ERROR_KEY, ProviderUnavailable, library_setting, log, provider, refuse
from common.htmx import HtmxHttpRequest


def password_login_or_sso(view):
    """The password log-in page while local accounts are on, else the single sign-on one."""

    def login(request: HtmxHttpRequest, *args, **kwargs):
        if settings.LOCAL_ACCOUNTS:
            return view(request, *args, **kwargs)
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        return render(request, "registration/login_sso.html", {"next": request.GET.get("next")})

    return login


def admin_login_or_sso(view):
    """The admin's own log-in while local accounts are on, else ours (single sign-on)."""

    def login(request: HtmxHttpRequest, *args, **kwargs):
        if settings.LOCAL_ACCOUNTS:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.GET.get("next") or resolve_url("admin:index"))

    return login


class Start(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (with state, nonce and a PKCE challenge)."""

    get_settings = staticmethod(library_setting)

    def __init__(self, **kwargs):
        # The library reads its endpoints here; ours come from discovery, in get().
        View.__init__(self, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.SSO_CLIENT_ID

    def get(self, request):
        if not settings.SSO_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider().authorization_endpoint
        except ProviderUnavailable as exc:
            log.warning("single sign-on: provider unavailable (%s)", exc)
            refuse(request, _("The sign-on service could not be reached. Try again shortly."))
            return redirect_to_login(request.GET.get("next") or settings.LOGIN_REDIRECT_URL)
        return super().get(request)


class Callback(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; failures land on the log-in page."""

    get_settings = staticmethod(library_setting)

    def get(self, request):
        if not settings.SSO_ENABLED:
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation:  # a stale or replayed link: start again, no 400 page
            log.warning("single sign-on: callback with an unknown state")
            return self.login_failure()

    def login_failure(self):
        if ERROR_KEY not in self.request.session:
            refuse(self.request, _("Single sign-on did not complete. Try again."))
        return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


start = Start.as_view()
callback = Callback.as_view()


@require_POST
def logout(request: HtmxHttpRequest):
    """Log out here, and at the provider too when the person came through it."""
    id_token = request.session.get("oidc_id_token")
    auth_logout(request)
    if id_token and settings.SSO_ENABLED:
        try:
            end_session = provider().end_session_endpoint
        except ProviderUnavailable:
            end_session = ""  # logged out here; the provider's session ends on its own
        if end_session:
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "client_id": settings.SSO_CLIENT_ID,
                    "post_logout_redirect_uri": request.build_absolute_uri(
                        resolve_url(settings.LOGIN_URL)
                    ),
                }
            )
            return HttpResponseRedirect(f"{end_session}?{query}")
    return redirect(settings.LOGOUT_REDIRECT_URL)
