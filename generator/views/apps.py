"""App pages: the list of apps the team has opened, and one app's form."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
@require_GET
def app_index(request: HtmxHttpRequest):
    return render(request, "apps/index.html")
