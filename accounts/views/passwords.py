"""Passwords a person looks after themselves: change it, or reset it by email.

Django's own views and forms, with two differences: with LOCAL_ACCOUNTS=0 (or for an
account that single sign-on made, which has no password) every page says that the
provider looks after passwords and offers no form; and a reset by email lifts the
account's log-in lock-out, so the new password lets them in at once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from accounts.forms import PersonalPasswordResetForm
from accounts.throttle import lockout_lift


def _sso_page(request):
    return render(request, "registration/password_sso.html", {"provider": settings.SSO_NAME})


class LocalAccountsOnly:
    """No password form while passwords are off: a page that names the provider."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.LOCAL_ACCOUNTS:
            return _sso_page(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class PasswordChangeView(LocalAccountsOnly, auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if settings.LOCAL_ACCOUNTS and user.is_authenticated and not user.has_usable_password():
            return _sso_page(request)  # single sign-on made this account: no password to change
        return super().dispatch(request, *args, **kwargs)


class PasswordChangeDoneView(LocalAccountsOnly, auth_views.PasswordChangeDoneView):
    pass


class PasswordResetView(LocalAccountsOnly, auth_views.PasswordResetView):
    form_class = PersonalPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "email_sent": settings.EMAIL_CONFIGURED}

    def post(self, request, *args, **kwargs):
        if not settings.EMAIL_CONFIGURED:
            return self.get(request, *args, **kwargs)  # the page says that no email goes out
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(LocalAccountsOnly, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(LocalAccountsOnly, auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout_lift(username=form.user.get_username())
        return response


class PasswordResetCompleteView(LocalAccountsOnly, auth_views.PasswordResetCompleteView):
    pass
