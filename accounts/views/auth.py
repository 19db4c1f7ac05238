"""Log in. django-axes counts failures and refuses locked accounts and addresses
(accounts/throttle.py); this module serialises password checks per account and
renders the page a locked-out user sees."""

import math

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.shortcuts import render
from django.utils import timezone

from accounts.throttle import retry_at


class OneCheckAtATimeMixin(AuthenticationForm):
    """Checks one password at a time per account, so that guesses sent at the same
    moment cannot all be checked before the first failure is counted.

    The account's row is locked until the failure is recorded. SQLite cannot lock one
    row (a transaction there would stop every writer during the password hash), so
    there concurrent guesses are bounded by the number of web threads instead.
    """

    def clean(self):
        username = self.cleaned_data.get("username")
        if not (username and connection.features.has_select_for_update):
            return super().clean()
        User = get_user_model()
        with transaction.atomic():
            locked = User.objects.select_for_update().filter(**{User.USERNAME_FIELD: username})
            list(locked.values_list("pk", flat=True))
            try:
                return super().clean()
            except ValidationError as exc:
                error = exc  # raised after the commit, so that the failure stays counted
        raise error


class ThrottledAuthenticationForm(OneCheckAtATimeMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(OneCheckAtATimeMixin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


def locked_out(request, original_response=None, credentials=None):
    """What axes answers instead of checking a password: when to try again, with 429."""
    until = retry_at(request, credentials)
    seconds = max(0, math.ceil((until - timezone.now()).total_seconds())) if until else 0
    response = render(
        request,
        "registration/locked_out.html",
        {"retry_at": until, "minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
