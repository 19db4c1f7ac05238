"""Small template filters for A1 Studio's pages."""

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common import images

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


@register.simple_tag
def photo_limits() -> str:
    """The photo limits as the checks apply them (common/images.py), numbers written the
    way the page's language writes them: what is refused, and what is converted for A1."""
    mb = 1024 * 1024
    words = {
        "max_mb": formats.number_format(images.MAX_INPUT_BYTES // mb, use_l10n=True),
        "max_mp": formats.number_format(images.MAX_INPUT_PIXELS // 1_000_000, use_l10n=True),
        "a1_mb": formats.number_format(images.A1_MAX_BYTES // mb, use_l10n=True),
        "a1_side": formats.number_format(images.A1_MAX_SIDE, use_l10n=True),
    }
    return (
        _(
            "Any photo up to %(max_mb)s MB and %(max_mp)s megapixels (HEIC from an iPhone too). "
            "A1 takes PNG or JPEG up to %(a1_mb)s MB and %(a1_side)s×%(a1_side)s: anything else "
            "is converted, scaled down or compressed for you."
        )
        % words
    )
