"""Who is calling: an API key (Authorization: Bearer) or a logged-in session.

A key is resolved to its owner, who then takes exactly the paths a browser takes
(access rules, budgets, idempotency). Sessions must send the CSRF token on unsafe
methods, as the portal's forms do; a call with neither answers 401.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from generator.keys import services as keys
from generator.models import ApiKey


class KeyedHttpRequest(HttpRequest):
    """A request past the API's authentication (every endpoint's): its user is a person,
    and `api_key` is the key that acted, or None for a browser session (`api_key_of`)."""

    user: User
    api_key: ApiKey | None


class KeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        # KeyRefused and KeyRateLimited become 401 and 429 in api.errors.
        key = keys.key_authenticate(token=token)
        request.user = key.user
        cast(KeyedHttpRequest, request).api_key = key
        return key


class SessionAuth(APIKeyCookie):
    """The portal's own log-in. The CSRF check runs only for a logged-in user, so a
    script that forgot its key hears 401, not a puzzling CSRF failure."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        if not request.user.is_authenticated:
            return None
        # A browser session's calls count against the person's rate like a key's.
        keys.person_rate_take(user_id=request.user.pk)
        cast(KeyedHttpRequest, request).api_key = None
        return request.user


def api_key_of(request: HttpRequest) -> ApiKey | None:
    return getattr(request, "api_key", None)
