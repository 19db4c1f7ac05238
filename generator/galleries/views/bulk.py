"""The bulk bar of the history and team galleries: one POST acts on many runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.htmx import HtmxHttpRequest, next_or
from common.zips import zip_response
from generator.galleries import bulk
from generator.galleries.forms import DONE_KEY, BulkForm
from generator.teams import services as teams


def _done(text: str, *, ok: bool = True, undo=()) -> dict:
    return {"ok": ok, "text": text, "undo": [str(pk) for pk in undo]}


def _act(request: HtmxHttpRequest, form: BulkForm, ids: list) -> dict:
    """Run the chosen write (not the ZIP) and say what happened."""
    user, action, undo = request.user, form.cleaned_data["action"], []
    team = form.cleaned_data.get("team")
    if action == "delete":
        undo = bulk.runs_bulk_delete(user=user, ids=ids)
        n = len(undo)
        text = ngettext("%(n)s run deleted.", "%(n)s runs deleted.", n)
    elif action == "restore":
        n = bulk.runs_bulk_restore(user=user, ids=ids)
        text = ngettext("%(n)s run restored.", "%(n)s runs restored.", n)
    elif action == "favourite":
        n = bulk.runs_bulk_favourite(user=user, ids=ids, favourite=True)
        text = ngettext("%(n)s run added to favourites.", "%(n)s runs added to favourites.", n)
    elif action == "unfavourite":
        n = bulk.runs_bulk_favourite(user=user, ids=ids, favourite=False)
        text = ngettext(
            "%(n)s run removed from favourites.", "%(n)s runs removed from favourites.", n
        )
    elif action == "share":
        n = bulk.runs_bulk_share(
            user=user, ids=ids, team=form.cleaned_data["team"]
        )  # clean() saw it
        text = ngettext("%(n)s run shared with %(team)s.", "%(n)s runs shared with %(team)s.", n)
    else:  # private
        n = bulk.runs_bulk_private(user=user, ids=ids)
        text = ngettext("%(n)s run made private.", "%(n)s runs made private.", n)
    if not n:
        return _done(
            _("None of the selected runs could be changed: only your own runs can."), ok=False
        )
    return _done(text % {"n": n, "team": team.name if team else ""}, undo=undo)


@login_required
@require_POST
def runs_bulk(request: HtmxHttpRequest):
    """Favourite, share, make private, delete (with Undo), restore or ZIP many runs.

    Writes touch only the user's own runs; the ZIP takes what the user may see. Back to
    the gallery page the form came from (its filters kept), or, for htmx, the bar's
    status with a `bulk-done` event on which the page redraws its grid.
    """
    back = next_or(request, reverse("history"))
    form = BulkForm(request.POST, teams=teams.teams_of(user=request.user))
    ids = bulk.bulk_ids(request.POST.getlist("ids"))
    if not form.is_valid():
        done = _done(" ".join(str(e) for errors in form.errors.values() for e in errors), ok=False)
    elif not ids:
        done = _done(_("Select at least one run first."), ok=False)
    elif form.cleaned_data["action"] == "zip":
        try:
            made = bulk.runs_bulk_zip(user=request.user, ids=ids)
        except bulk.TooManyForZip:
            done = _done(
                _("One ZIP holds at most %(max)s runs. Select fewer and download in parts.")
                % {"max": bulk.ZIP_MAX_RUNS},
                ok=False,
            )
        else:
            if made is not None:
                name, spool, _runs = made
                return zip_response(spool, filename=name)
            done = _done(_("None of the selected runs has a saved image to download."), ok=False)
    else:
        done = _act(request, form, ids)
    if request.htmx:
        response = render(
            request, "includes/bulk_bar.html#status", {"bulk": {"done": done, "next": back}}
        )
        if done["ok"]:
            response["HX-Trigger"] = "bulk-done"
        return response
    request.session[DONE_KEY] = done
    return redirect(back)
