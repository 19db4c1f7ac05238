"""History, the team gallery, and an owner's actions on a generation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from ..access import owned_or_404, visible_or_404
from ..forms import LibraryFilterForm, ShareForm
from ..models import Generation
from ..services import budgets, library, teams
from . import HtmxHttpRequest, next_or


def _page(request, qs):
    paginator = Paginator(qs, settings.HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _library(request, *, template: str, gallery: bool):
    # The team page also lists, for the teams the user manages, their pending invites.
    my_teams = (
        teams.teams_with_pending_invites(request.user)
        if gallery
        else teams.teams_of(user=request.user)
    )
    base = (
        Generation.objects.filter(team__in=my_teams, visibility="team")
        if gallery
        else Generation.objects.filter(user=request.user)
    )
    form = LibraryFilterForm(
        request.GET or None,
        apps=library.apps_used(qs=base.filter(deleted_at__isnull=True)),
        teams=my_teams if gallery else None,
    )
    lister = library.gallery_list if gallery else library.history_list
    page, query = _page(request, lister(user=request.user, **form.filters()))
    cards = list(page.object_list) if gallery else library.history_cards(page.object_list)
    context = {
        "form": form,
        "page": page,
        "cards": cards,
        "query": query,
        "gallery": gallery,
        "teams": my_teams,
        "allowances": budgets.allowances(user=request.user),
    }
    return render(request, f"{template}#grid" if request.htmx else template, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def history(request: HtmxHttpRequest):
    return _library(request, template="library/history.html", gallery=False)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def team_gallery(request: HtmxHttpRequest):
    return _library(request, template="library/team.html", gallery=True)


@login_required
@require_POST
def favourite(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    library.generation_favourite(
        generation=generation, favourite=request.POST.get("favourite") == "1"
    )
    if request.htmx:
        return render(request, "library/history.html#favourite", {"generation": generation})
    return redirect(next_or(request, generation.get_absolute_url()))


@login_required
@require_POST
def delete(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    library.generation_delete(generation=generation)
    messages.success(request, _("Deleted. Ask staff if you need it back."))
    return redirect("history")


@login_required
@require_POST
def share(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    form = ShareForm(request.POST, teams=teams.teams_of(user=request.user))
    if form.is_valid():
        library.generation_share(
            generation=generation,
            visibility=form.cleaned_data["visibility"],
            team=form.cleaned_data.get("team"),
        )
        messages.success(request, _("Sharing updated."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(generation)


@login_required
@require_GET
def download_zip(request: HtmxHttpRequest, generation_id):
    generation = visible_or_404(request.user, Generation, generation_id)
    name, spool = library.generation_zip(generation=generation)
    # FileResponse streams the temporary file in chunks and closes it when done.
    return FileResponse(spool, as_attachment=True, filename=name, content_type="application/zip")
