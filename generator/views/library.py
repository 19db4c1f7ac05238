"""History, the team gallery, and an owner's actions on a generation."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..access import owned_or_404, trashed_or_404, visible_or_404
from ..forms import LibraryFilterForm, ShareForm
from ..models import Generation, Membership
from ..services import library as services_library
from ..services import teams as teams_services
from ..services.library import generation_restore, trash_list
from . import HtmxHttpRequest
from .apps import generation_url
from .teams import NEW_INVITE_KEY

UNDO_KEY = "undo-delete"


def _page(request, qs):
    paginator = Paginator(qs, settings.HISTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _library(request, *, template: str, gallery: bool):
    teams = services.teams_of(request.user)
    base = (
        Generation.objects.filter(team__in=teams, visibility="team")
        if gallery
        else Generation.objects.filter(user=request.user)
    )
    form = LibraryFilterForm(
        request.GET or None,
        apps=services.apps_used(qs=base.filter(deleted_at__isnull=True)),
        teams=teams if gallery else None,
    )
    filters = form.filters() if form.is_bound else services.Filters()
    active = [
        name
        for name, value in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items()
        if value
    ]
    lister = services.gallery_list if gallery else services.history_list
    listing = services_library.cards_named(
        qs=lister(user=request.user, filters=filters), language=services.a1_language()
    )
    page, query = _page(request, listing)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "gallery": gallery,
        "teams": teams,
        "allowances": services.allowances(user=request.user),
        "active_filters": len(active),
    }
    if gallery and not request.htmx:
        context |= {
            "new_invite": request.session.pop(NEW_INVITE_KEY, None),
            "teams": teams.prefetch_related("memberships__user"),
            "managed_team_ids": set(
                Membership.objects.filter(
                    user=request.user, role=Membership.Role.MANAGER
                ).values_list("team_id", flat=True)
            ),
            "roles": Membership.Role.choices,
            "sharing": teams_services.default_sharing(user=request.user),
        }
    if not gallery and not request.htmx:
        # Just deleted from its page: offer the undo here, once.
        undo = request.session.pop(UNDO_KEY, None)
        context["undo"] = trash_list(user=request.user).filter(pk=undo).first() if undo else None
    return render(request, f"{template}#grid" if request.htmx else template, context)


@login_required
@require_GET
def history(request: HtmxHttpRequest):
    return _library(request, template="library/history.html", gallery=False)


@login_required
@require_GET
def team_gallery(request: HtmxHttpRequest):
    return _library(request, template="library/team.html", gallery=True)


@login_required
@require_POST
def favourite(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    services.generation_favourite(
        generation=generation, favourite=request.POST.get("favourite") == "1"
    )
    if request.htmx:
        return render(request, "library/history.html#favourite", {"generation": generation})
    return redirect(request.POST.get("next") or f"/generations/{generation.id}/")


@login_required
@require_POST
def delete(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    services.generation_delete(generation=generation)
    request.session[UNDO_KEY] = str(generation.id)
    return redirect("history")


@login_required
@require_GET
def trash(request: HtmxHttpRequest):
    """The user's deleted runs, restorable for TRASH_DAYS."""
    items = list(trash_list(user=request.user))
    for item in items:
        item.purge_on = item.deleted_at + timedelta(days=settings.TRASH_DAYS)
    return render(request, "library/trash.html", {"items": items, "days": settings.TRASH_DAYS})


@login_required
@require_POST
def restore(request: HtmxHttpRequest, generation_id):
    generation = trashed_or_404(request.user, generation_id)
    if generation_restore(user=request.user, generation=generation):
        messages.success(request, _("Restored. It is back in your history."))
    # Restoring from the trash page stays there (others may follow); Undo goes to the run.
    return redirect("trash" if request.POST.get("from") == "trash" else generation_url(generation))


@login_required
@require_POST
def share(request: HtmxHttpRequest, generation_id):
    generation = owned_or_404(request.user, Generation, generation_id)
    form = ShareForm(request.POST, teams=services.teams_of(request.user))
    if form.is_valid():
        services.generation_share(
            generation=generation,
            visibility=form.cleaned_data["visibility"],
            team=form.cleaned_data.get("team"),
        )
        messages.success(request, _("Sharing updated."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"/generations/{generation.id}/")


@login_required
@require_GET
def download_zip(request: HtmxHttpRequest, generation_id):
    generation = visible_or_404(request.user, Generation, generation_id)
    name, content = services.generation_zip(generation=generation)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
