"""Every page in the person's own language and time zone.

LocaleMiddleware (before this) picks the language from the cookie or the browser; for
someone logged in who chose a language on their profile, that choice wins, so a
Japanese browser shows English to a person who asked for English. Their time zone is
activated for the request (templates then show local times) and deactivated after it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import zoneinfo

from django.conf import settings
from django.utils import timezone, translation

from accounts.profiles import ProfileValues, language_valid, profile_values


class ProfileMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        values = profile_values(user=user) if user is not None and user.is_authenticated else None
        if values is not None and user is not None and not settings.LOCAL_ACCOUNTS:
            # Passwords off: single sign-on's name is the one shown (the profile page says so).
            values = dataclasses.replace(values, display_name=user.get_full_name())
        request.profile = values or ProfileValues()
        if values and language_valid(values.language):
            translation.activate(values.language)
            request.LANGUAGE_CODE = values.language
        if values and values.time_zone:
            # A zone the system no longer knows leaves the portal's own.
            with contextlib.suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(values.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
