"""When the database (or our storage) is away: a clear "we'll be back shortly", never a 500.

A request during which the database drops its connection (a restart, a failover, a
backend terminated) or cannot be reached at all raises OperationalError or
InterfaceError. Pages answer with 503.html (drawn without touching the database: no
session, no user, no context processors), the REST API and the gateway with their own
envelopes (api/errors.py, gateway/envelope.py), all with status 503 and Retry-After.
The broken connection is closed at the end of the request (Django drops an unusable
connection), and CONN_HEALTH_CHECKS makes the next request open a fresh one: nothing
to restart when the database returns.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from common.media import StorageUnavailable

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
# SQLite's OperationalError also says "no such table" (a missing migration, a bug):
# that is a 500, not an outage.
NOT_AN_OUTAGE = ("no such table", "no such column", "syntax error")

PLAIN_503 = (
    b"<!doctype html><html lang='en'><meta charset='utf-8'><title>Back shortly</title>"
    b"<h1>We'll be back shortly</h1><p>Try again in a minute.</p></html>"
)


def database_away(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) says the database is unreachable or dropped us."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError):
            text = str(exc).lower()
            return not any(words in text for words in NOT_AN_OUTAGE)
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def outage_page(request: HttpRequest | None = None, *, message: str = "") -> HttpResponse:
    """503.html in the request's language (LocaleMiddleware has set it), with Retry-After;
    `message` says what failed when it is known (else: a service we rely on)."""
    try:
        body = render_to_string(
            "503.html", {"retry_after": RETRY_AFTER_SECONDS, "message": message}
        )
        response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    except Exception:  # the page must always answer: the plain words, then
        logger.exception("the 503 page itself could not be drawn")
        response = HttpResponse(PLAIN_503, status=503, content_type="text/html")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseAwayMiddleware:
    """A view that raised because the database went away answers with the 503 page.

    (An exception in another middleware reaches common.error_pages.server_error, which
    gives the same page.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, StorageUnavailable):
            # A page that did not catch it itself (a form shows it beside the photo).
            return outage_page(request, message=str(exception.message))
        if not database_away(exception):
            return None
        logger.warning(
            "Database unavailable during %s %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
        )
        return outage_page(request)
