"""What to tell a user about each A1 error, in their language, and where to show it."""

from __future__ import annotations

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from a1 import A1Error, Code
from a1.errors import IMAGE_CODES


def user_message(error: A1Error) -> str:
    """A sentence for the person at the form; never the key, never a stack trace."""
    code = error.code
    if code in (Code.UNSUPPORTED_SUFFIX, Code.FILE_SUFFIX_ERROR, Code.FORMAT_NOT_SUPPORTED):
        return _("A1 accepts PNG and JPEG images only.")
    if code in (Code.FILE_ERROR, Code.INVALID_FILE):
        return _("A1 could not read this image. Try another photo.")
    if code == Code.MISSING_FILE:
        return _("Choose an image.")
    if code == Code.MORE_THAN_ONE_FILE:
        return _("Only one image can go in each photo field.")
    if code == Code.NOT_AN_IMAGE:
        return _("This file is not an image.")
    if code == Code.FILE_TOO_LARGE:
        return _("Images must be 10 MB or smaller.")
    if code == Code.DIMENSIONS_TOO_LARGE:
        return _("Images must be at most 2048×2048 pixels.")
    if code in (Code.MISSING_API_KEY, Code.INVALID_API_KEY):
        return _(
            "The image service is not set up correctly. Ask an administrator to check the A1 API key."
        )
    if code == Code.RATE_LIMITED:
        return _("A1 is busy right now. Wait a few seconds and try again.")
    if code in (Code.SERVER_ERROR, Code.SERVICE_INTERNAL_ERROR):
        return _("A1 had a server error. Try again in a moment.")
    if code == Code.APP_API_DISABLED:
        return _("This app cannot be used through the A1 API.")
    if code == Code.QUANTITY_OUT_OF_RANGE:
        return _("This app cannot make that many images in one run.")
    if code == Code.APP_NOT_FOUND:
        return _("There is no A1 app with this id.")
    if code == Code.APP_UPDATED:
        return _("The app's author has just updated it. Check the form and submit again.")
    if code == Code.APP_UNPUBLISHED:
        return _("This app is an unpublished draft by another creator; only its author can use it.")
    if code == Code.APP_VIP_ONLY:
        return _("This is a VIP app: it needs a paid A1 plan.")
    if code == Code.BALANCE_INSUFFICIENT:
        return _("The A1 account has run out of points. An administrator needs to top it up.")
    if code == Code.INVALID_PARAMS:
        return _("A1 did not accept these values. Check the fields and try again.")
    if code == Code.REDIRECTED:
        return _(
            "The image service is not set up correctly. Ask an administrator to check the "
            "A1 address (A1_BASE_URL)."
        )
    if code in (Code.NETWORK_ERROR, Code.TIMEOUT, Code.BAD_RESPONSE):
        return _("A1 could not be reached. Try again in a moment.")
    return _("A1 refused the request (code %(code)s).") % {"code": code}


def is_image_error(error: A1Error) -> bool:
    return error.code in IMAGE_CODES


def bilingual(message) -> tuple[str, str]:
    """(English, Chinese) for a message, for answers to scripts that carry both.

    A lazy message is put into words in each language; a plain one (worded in English,
    as the API and the gateway run in English) is looked up in the Chinese catalog,
    and stays English where the catalog has no entry.
    """
    if isinstance(message, Promise):
        with translation.override("en"):
            english = str(message)
        with translation.override("zh-hans"):
            return english, str(message)
    english = str(message)
    with translation.override("zh-hans"):
        return english, _(english) if english else ""
