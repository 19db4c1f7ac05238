"""/compare/: two to four results, from one run or several, side by side at one zoom."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.htmx import HtmxHttpRequest
from generator.access import results_visible_or_404

FEWEST, MOST = 2, 4
# Any GET form may target this page (the run page, a gallery's bulk bar...), so a page
# of ticked cards can arrive: those are still checked and named in the message; past
# this many nothing is looked up.
LOOKED_UP = 100


@login_required
@require_GET
def compare(request: HtmxHttpRequest):
    # Repeated `r` parameters, each a result's id; a result ticked twice counts once.
    ids = list(dict.fromkeys(value for value in request.GET.getlist("r") if value))
    results = results_visible_or_404(request.user, ids) if len(ids) <= LOOKED_UP else []
    context = {
        "results": results,
        "count": len(ids),
        "fits": FEWEST <= len(ids) <= MOST,
        "fewest": FEWEST,
        "most": MOST,
    }
    return render(request, "galleries/compare.html", context)
