"""Log-in throttling by django-axes: failures counted per account and per address.

Axes records every failed log-in in the database (so every web process sees the same
counts) and refuses the next attempt once a count reaches its limit. It compares one
number with one limit, while accounts and addresses have limits of their own (5 and 50
by default): the handler reports the address's count scaled to the account's limit,
floor(n * A / B), which reaches A exactly when n reaches B.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db.models import Max, Q, Sum

from common.addresses import client_address


def failure_limit(request=None, credentials=None) -> int:
    return settings.LOGIN_FAILURES_PER_ACCOUNT


def cool_off(request=None) -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


class LoginThrottle(AxesDatabaseHandler):
    """Axes's database handler with a limit per account and another per address."""

    def _counts(self, request, credentials) -> dict[str, int]:
        attempts = self.get_user_attempts(request, credentials)
        return {
            str(parameter): queryset.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for parameter, queryset in zip(settings.AXES_LOCKOUT_PARAMETERS, attempts, strict=True)
        }

    def get_failures(self, request, credentials=None) -> int:
        counts = self._counts(request, credentials)
        per_account = settings.LOGIN_FAILURES_PER_ACCOUNT
        per_address = settings.LOGIN_FAILURES_PER_ADDRESS
        return max(
            counts.get("username", 0),
            counts.get("ip_address", 0) * per_account // per_address,
        )


def retry_at(request, credentials=None) -> datetime | None:
    """When the account and address of this request may try again (at the latest)."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    newest = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=address)).aggregate(
        newest=Max("attempt_time")
    )["newest"]
    return newest + cool_off(request) if newest else None


def lockout_lift(*, username: str) -> int:
    """Forget the account's failed log-ins (its password was just reset by email, so
    whoever guessed it no longer matters): the person may log in at once. Failures at
    addresses under other names stay counted. Returns how many records went."""
    if not username:
        return 0  # axes would read "no name" as "every record"
    return axes_reset(username=username)
