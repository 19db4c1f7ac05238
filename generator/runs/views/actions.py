"""An owner's actions on one run, from its page or a card: favourite, trash, restore,
share, and its results as one ZIP."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.htmx import HtmxHttpRequest, next_or
from common.zips import zip_response
from generator.access import owned_or_404, shown_or_404, trashed_or_404
from generator.models import Run
from generator.runs import actions
from generator.runs.forms import ShareForm
from generator.teams import services as teams

# The one run a history Undo brings back (the bulk bar keeps its own, BULK_DONE_KEY).
UNDO_KEY = "undo-delete"


@login_required
@require_POST
def favourite(request: HtmxHttpRequest, run_id):
    run = owned_or_404(request.user, Run, run_id)
    actions.run_favourite(run=run, favourite=request.POST.get("favourite") == "1")
    if request.htmx:
        return render(request, "galleries/history.html#favourite", {"run": run})
    return redirect(next_or(request, run.get_absolute_url()))


@login_required
@require_POST
def delete(request: HtmxHttpRequest, run_id):
    """Into the trash (restorable for TRASH_DAYS); history offers Undo once."""
    run = owned_or_404(request.user, Run, run_id)
    actions.run_delete(run=run)
    request.session[UNDO_KEY] = str(run.id)
    return redirect("history")


@login_required
@require_POST
def restore(request: HtmxHttpRequest, run_id):
    run = trashed_or_404(request.user, run_id)
    if actions.run_restore(user=request.user, run=run):
        messages.success(request, _("Restored. It is back in your history."))
    # Restoring from the trash page stays there (others may follow); Undo goes to the run.
    return redirect("trash" if request.POST.get("from") == "trash" else run)


@login_required
@require_POST
def share(request: HtmxHttpRequest, run_id):
    run = owned_or_404(request.user, Run, run_id)
    form = ShareForm(request.POST, teams=teams.teams_of(user=request.user))
    if form.is_valid():
        actions.run_share(
            run=run,
            visibility=form.cleaned_data["visibility"],
            team=form.cleaned_data.get("team"),
        )
        messages.success(request, _("Sharing updated."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(run)


@login_required
@require_GET
def download_zip(request: HtmxHttpRequest, run_id):
    # A download carries images away: only a shown run, for staff too.
    run = shown_or_404(request.user, Run, run_id)
    name, spool = actions.run_zip(run=run)
    return zip_response(spool, filename=name)
