"""The pages shown when something is missing or broken: styled, with the header."""

import logging
import sys

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from common.htmx import HtmxHttpRequest
from common.outage import database_away, outage_page

logger = logging.getLogger(__name__)

# Shown when even the styled page cannot be drawn (the database may be the problem).
PLAIN_500 = (
    b"<!doctype html><html lang='en'><meta charset='utf-8'><title>Server error</title>"
    b"<h1>Something went wrong on our side</h1><p><a href='/'>Back to A1 Studio</a></p></html>"
)


@requires_csrf_token
def server_error(request: HtmxHttpRequest):
    """Django's 500 page has no request context; this one keeps the header and language.

    When the database went away (in a middleware, before any view), the 503 page instead."""
    if database_away(sys.exc_info()[1]):
        return outage_page(request)
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("the 500 page itself could not be drawn")
        return HttpResponseServerError(PLAIN_500, content_type="text/html")
