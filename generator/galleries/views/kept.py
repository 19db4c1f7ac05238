"""Pages kept whole in the cache for one viewer: the galleries, and a finished run's page
and progress block (generator/runs/views/runs.py). One spelling for all of them: the key
names everything the page depends on, a kept page is served as it was built.

(A kept page holds the CSP nonce of the response it was built for; its scripts load
because script-src also allows 'self'. Keep that if the policy changes.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from prometheus_client import Counter

from common.compression import GZipPagesMiddleware
from generator.galleries import pages as galleries
from generator.galleries.forms import DONE_KEY as BULK_DONE_KEY
from generator.runs.views.actions import UNDO_KEY

KEPT_SECONDS = 600  # a backstop only: the key moves when what the page shows changes


def page_key(request, *, name: str, parts: Iterable[object]) -> str | None:
    """The cache key of this exact page for this viewer, or None when it must be built.

    It names everything the page depends on beyond `parts` (what the page itself shows:
    its filters, a run's version): the viewer (and the name their profile shows), their
    browser's CSRF secret (forms on the page carry a token for it), language, time zone,
    the address, and the stamps of the viewer and their teams and the banners of
    base.html (`pages.page_tokens`, one query), which every change to them moves.
    """
    csrf = request.META.get("CSRF_COOKIE")
    # Read first, whatever follows: the banners of a page built now look here first
    # (generator/context_processors.py), and spare their queries when these say none.
    tokens = galleries.page_tokens_read(user=request.user)
    request.page_tokens = tokens
    # Pages with a one-time notice (messages, Undo, a bulk action's outcome) are built.
    once = (UNDO_KEY, BULK_DONE_KEY)
    if not csrf or len(messages.get_messages(request)) or any(k in request.session for k in once):
        return None
    fixed = [
        name,
        "htmx" if request.htmx else "page",
        "gzip" if accepts_gzip(request) else "plain",
        request.get_full_path(),  # forms' `next` fields carry the query string
        # The header shows who is logged in and, for staff, their links.
        f"{request.user.pk}:{request.user.get_username()}:{request.user.is_staff}",
        getattr(getattr(request, "profile", None), "display_name", ""),
        request.LANGUAGE_CODE,
        timezone.get_current_timezone_name(),
        csrf,
        galleries.page_tokens_text(tokens),
    ]
    text = "|".join(str(part) for part in [*fixed, *parts])
    return "kept:" + hashlib.sha256(text.encode()).hexdigest()


def accepts_gzip(request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "")


def kept_or_built(
    request,
    *,
    key: str | None,
    build: Callable[[], HttpResponse],
    fill: Callable[[bytes], bytes] | None = None,
    counter: Counter | None = None,
) -> HttpResponse:
    """The page kept under `key`, else `build()` kept there (a 200 only).

    Without `fill` a page is kept as sent, compressed once here rather than by the
    middleware every time. With `fill`, what differs in every answer (a fresh key for the
    page's forms) is written into each answer, kept or built, and the middleware
    compresses it.
    """
    cached = cache.get(key) if key else None
    if counter is not None:
        counter.labels("built" if cached is None else "kept").inc()
    if cached is None:
        response = build()
        if not key or response.status_code != 200:
            if fill is not None:
                response.content = fill(response.content)
            return response
        body = response.content
        if fill is None and accepts_gzip(request):
            body = compress_string(body, max_random_bytes=GZipPagesMiddleware.max_random_bytes)
        cached = (body, response["Content-Type"])
        cache.set(key, cached, KEPT_SECONDS)
    body, content_type = cached
    if fill is not None:
        response = HttpResponse(fill(body), content_type=content_type)
    else:
        response = HttpResponse(body, content_type=content_type)
        if accepts_gzip(request):
            response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["HX-Request", "Accept-Encoding"])
    return response
