"""Running: everything of mine on its way, live from our database."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from common.htmx import HtmxHttpRequest
from generator.galleries.running import running_list


@login_required
@require_GET
@vary_on_headers("HX-Request")
def running(request: HtmxHttpRequest):
    """The page, or (for its own polling) the list alone; the list stops asking once
    nothing of the person's moves."""
    found = running_list(user=request.user)
    template = "galleries/running.html#live" if request.htmx else "galleries/running.html"
    return render(request, template, {"running": found})
