from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def redirect_after_post(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """A full-page redirect: HX-Redirect for htmx requests, a 302 otherwise."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
