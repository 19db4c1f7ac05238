"""History, the team gallery, and an owner's actions on a generation."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from ..access import owned_or_404, trashed_or_404, visible_or_404
from ..forms import LibraryFilterForm, ShareForm
from ..models import Generation, Membership
from ..services import apps, budgets, library, teams
from . import HtmxHttpRequest, next_or

UNDO_KEY = "undo-delete"


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
    active = [
        name
        for name, value in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items()
        if value
    ]
    language = apps.a1_language()
    if gallery:
        listing = library.cards_named(
            qs=library.gallery_list(user=request.user, **form.filters()), language=language
        )
        page, query = _page(request, listing)
        cards = list(page.object_list)
    else:
        page, query = _page(request, library.history_list(user=request.user, **form.filters()))
        cards = library.history_cards(page.object_list, language=language)
    context = {
        "form": form,
        "page": page,
        "cards": cards,
        "query": query,
        "gallery": gallery,
        "teams": my_teams,
        "allowances": budgets.allowances(user=request.user),
        "active_filters": len(active),
    }
    if gallery and not request.htmx:
        context |= {
            "teams": my_teams.prefetch_related("memberships__user"),
            "managed_team_ids": set(
                Membership.objects.filter(
                    user=request.user, role=Membership.Role.MANAGER
                ).values_list("team_id", flat=True)
            ),
            "roles": Membership.Role.choices,
            "sharing": teams.default_sharing(user=request.user),
        }
    if not gallery and not request.htmx:
        # Just deleted from its page: offer the undo here, once.
        undo = request.session.pop(UNDO_KEY, None)
        trashed = library.trash_list(user=request.user)
        context["undo"] = trashed.filter(pk=undo).first() if undo else None
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
    """Into the trash (restorable for TRASH_DAYS); history offers Undo once."""
    generation = owned_or_404(request.user, Generation, generation_id)
    library.generation_delete(generation=generation)
    request.session[UNDO_KEY] = str(generation.id)
    return redirect("history")


@login_required
@require_GET
def trash(request: HtmxHttpRequest):
    """The user's deleted runs, restorable for TRASH_DAYS."""
    items = list(library.trash_list(user=request.user))
    for item in items:
        item.purge_on = item.deleted_at + timedelta(days=settings.TRASH_DAYS)
    return render(request, "library/trash.html", {"items": items, "days": settings.TRASH_DAYS})


@login_required
@require_POST
def restore(request: HtmxHttpRequest, generation_id):
    generation = trashed_or_404(request.user, generation_id)
    if library.generation_restore(user=request.user, generation=generation):
        messages.success(request, _("Restored. It is back in your history."))
    # Restoring from the trash page stays there (others may follow); Undo goes to the run.
    return redirect("trash" if request.POST.get("from") == "trash" else generation)


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
