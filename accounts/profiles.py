"""A person's profile: the name shown, their time zone and interface language, and the
email address on their account. Read once per request by accounts/middleware.py."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.models import Profile


@dataclass(frozen=True)
class ProfileValues:
    """What every page needs from the profile (blank: not chosen)."""

    display_name: str = ""
    time_zone: str = ""
    language: str = ""


@functools.cache
def time_zone_names() -> list[str]:
    """Every zone a person may choose: IANA's canonical names, sorted."""
    regions = (
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/"))
    )
    return ["UTC", *sorted(regions)]


def time_zone_valid(name: str) -> bool:
    return name in time_zone_names()


def language_valid(code: str) -> bool:
    return code in {code for code, _name in settings.LANGUAGES}


def profile_values(*, user) -> ProfileValues:
    """The person's choices, in one query (no row yet: nothing chosen)."""
    row = (
        Profile.objects.filter(user=user)
        .values_list("display_name", "time_zone", "language")
        .first()
    )
    return ProfileValues(*row) if row else ProfileValues()


def profile_get(*, user) -> Profile:
    """The person's profile, unsaved when they have chosen nothing yet."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


def profile_update(
    *, user, email: str, display_name: str, time_zone: str, language: str
) -> Profile:
    """Save what the person chose on the profile page (the form checked each value)."""
    with transaction.atomic():
        if email != user.email:
            user.email = email
            user.save(update_fields=["email"])
        profile, _created = Profile.objects.update_or_create(
            user=user,
            defaults={"display_name": display_name, "time_zone": time_zone, "language": language},
        )
    return profile


def profile_language_set(*, user, language: str) -> None:
    """The language switch in the top bar, for someone logged in: it is their choice too."""
    if language_valid(language):
        Profile.objects.update_or_create(user=user, defaults={"language": language})


def profile_time_zone_guess(*, user, time_zone: str) -> bool:
    """The browser's zone, saved only while the person has none: a guess never replaces
    what they chose. True when it was saved."""
    if not time_zone_valid(time_zone):
        return False
    profile, created = Profile.objects.get_or_create(user=user, defaults={"time_zone": time_zone})
    if created:
        return True
    return bool(Profile.objects.filter(pk=profile.pk, time_zone="").update(time_zone=time_zone))
