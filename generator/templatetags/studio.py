"""Small template filters for A1 Studio's pages."""

from django import template
from django.utils import timezone

register = template.Library()

# A1's language codes as HTML lang values, so a name in another language than the page
# is read out (and its characters chosen) correctly.
A1_TO_BCP47 = {"zh_CN": "zh-Hans", "zh_TW": "zh-Hant", "en_US": "en", "ja_JP": "ja"}


@register.filter
def bcp47(a1_language: str) -> str:
    """`zh_CN` -> `zh-Hans`; other codes with the underscore turned into a hyphen."""
    code = a1_language or ""
    return A1_TO_BCP47.get(code, code.replace("_", "-"))


@register.filter
def seconds_ago(moment) -> int:
    """Whole seconds since `moment` (0 for the future or for no moment)."""
    if not moment:
        return 0
    return max(0, int((timezone.now() - moment).total_seconds()))
