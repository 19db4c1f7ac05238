"""Times as a person reads them: in their own time zone (accounts/middleware.py activates
it), in their language's one date format (a1site/formats/), with the zone said wherever
a bare clock time could be misread.

    {{ run.created|when }}           "3 minutes ago" for the last day, else the date and
                                     time; the exact time with its zone on hover
    {{ export.expires_at|when:"exact" }}   "7 Dec 2026, 09:38 JST", the zone always shown
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, tzinfo

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext

register = template.Library()

# Abbreviations that name more than one zone ("CST" is China's and America's Central):
# those read as an offset instead.
_AMBIGUOUS = {"CST", "IST", "AST", "BST", "GST", "SST", "MST", "ADT", "CDT"}
RELATIVE_FOR = timedelta(hours=22)


def zone_label(value: datetime) -> str:
    """The zone of a local time: its abbreviation when that names one zone ("JST",
    "UTC"), else its offset from UTC ("UTC+8", "UTC+5:30")."""
    abbreviation = value.strftime("%Z")
    if abbreviation.isalpha() and abbreviation not in _AMBIGUOUS:
        return abbreviation
    offset = value.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def exact(value: datetime) -> str:
    """ "7 Dec 2026, 09:38 JST" (or the language's own order), in the person's zone."""
    return _worded(value, timezone.get_current_timezone(), get_language())[1]


@functools.lru_cache(maxsize=4096)
def _worded(value: datetime, zone: tzinfo, language: str | None) -> tuple[str, str, str]:
    """A moment's ISO form, its exact words with the zone, and its date and time, in a
    zone and a language: what `when` writes that does not depend on the clock. Kept per
    process (a gallery page built again writes the same fifty times again); the zone and
    the language are the rest of what the words depend on."""
    local = timezone.localtime(value, zone)
    shown = formats.date_format(local, "DATETIME_FORMAT")
    return local.isoformat(), f"{shown} {zone_label(local)}", shown


@receiver(setting_changed)
def _formats_changed(**kwargs) -> None:
    # As Django forgets its own cached formats when a test changes the settings.
    _worded.cache_clear()


@register.filter(is_safe=True)
def when(value, style: str = "auto"):
    if not isinstance(value, datetime):
        return value if value not in (None, "") else ""
    iso, full, date_and_time = _worded(value, timezone.get_current_timezone(), get_language())
    if style == "exact":
        return format_html('<time datetime="{}">{}</time>', iso, full)
    age = timezone.now() - value
    if timedelta(0) <= age < timedelta(minutes=1):
        # A kept gallery page is right to the minute: never "0 minutes ago".
        shown = gettext("just now")
    elif age < RELATIVE_FOR:
        shown = naturaltime(value)
    else:
        shown = date_and_time
    return format_html('<time datetime="{}" title="{}">{}</time>', iso, full, shown)
