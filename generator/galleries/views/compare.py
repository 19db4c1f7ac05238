"""/compare/: two to four results, from one run or several, side by side at one zoom
(on a phone: one at a time, swiped, or one over the other with a slider); under each,
"Keep this one"."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from common.htmx import HtmxHttpRequest
from generator.access import owned_or_404, results_visible_or_404, visible_or_404
from generator.galleries.forms import DONE_KEY
from generator.galleries.keep import result_keep
from generator.models import ResultImage, Run

FEWEST, MOST = 2, 4
# Any GET form may target this page (the run page, a gallery's bulk bar...), so a page
# of ticked cards can arrive: those are still checked and named in the message; past
# this many nothing is looked up.
LOOKED_UP = 100


def _picked(values: list[str]) -> list[str]:
    """Repeated `r` parameters, each a result's id; a result ticked twice counts once."""
    return list(dict.fromkeys(value for value in values if value))


def _url(results) -> str:
    return f"{reverse('compare')}?{urlencode([('r', str(r.pk)) for r in results])}"


@login_required
@require_GET
def compare(request: HtmxHttpRequest):
    ids = _picked(request.GET.getlist("r"))
    results = results_visible_or_404(request.user, ids) if len(ids) <= LOOKED_UP else []
    # What "Keep this one" did, shown once with the galleries' Undo (the bulk bar's).
    done = request.session.pop(DONE_KEY, None)
    context = {
        "results": results,
        "count": len(ids),
        # After keeping one and trashing the others, the kept one is shown alone.
        "fits": FEWEST <= len(ids) <= MOST or bool(done and len(ids) == 1),
        "fewest": FEWEST,
        "most": MOST,
        "ids": [str(r.pk) for r in results],
        "bulk": {"done": done, "next": (done or {}).get("back") or request.get_full_path()},
    }
    return render(request, "galleries/compare.html", context)


@login_required
@require_POST
def compare_keep(request: HtmxHttpRequest):
    """Favourite the chosen result's run (the user's own, else 404) and, when asked, move
    the user's other compared runs to the trash; back to the page, which says so."""
    results = results_visible_or_404(request.user, _picked(request.POST.getlist("r"))[:MOST])
    chosen = visible_or_404(request.user, ResultImage, request.POST.get("keep", ""))
    run = owned_or_404(request.user, Run, chosen.run_id)
    kept = result_keep(
        user=request.user,
        run=run,
        others=[r.run_id for r in results if r.pk != chosen.pk],
        trash_others=request.POST.get("trash_others") == "1",
    )
    text = _("Kept result %(n)s of “%(name)s”: it is in your favourites.") % {
        "n": chosen.index + 1,
        "name": run.app_name or run.app_id,
    }
    if kept.trashed:
        n = len(kept.trashed)
        text += " " + ngettext(
            "%(n)s other run is in the trash.", "%(n)s other runs are in the trash.", n
        ) % {"n": n}
    if kept.stayed:
        text += " " + ngettext(
            "%(n)s other run stayed: only your own runs can be moved to the trash.",
            "%(n)s other runs stayed: only your own runs can be moved to the trash.",
            kept.stayed,
        ) % {"n": kept.stayed}
    left = [r for r in results if r.run_id not in kept.trashed] or [chosen]
    request.session[DONE_KEY] = {
        "ok": True,
        "text": text,
        "undo": [str(pk) for pk in kept.trashed],
        # Undo brings the trashed runs back, and with them the whole comparison.
        "back": _url(results),
    }
    return redirect(_url(left))
