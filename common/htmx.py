from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class LoggedInHttpRequest(HtmxHttpRequest):
    """A request to a `login_required` view: its user is a person, never anonymous."""

    user: User


def redirect_after_post(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """A full-page redirect: HX-Redirect for htmx requests, a 302 otherwise."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def next_or(request: HttpRequest, fallback: str) -> str:
    """The `next` the request asks to go to when it stays on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else fallback
