"""History, the team gallery, and an owner's actions on a run."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from common import metrics
from common.htmx import HtmxHttpRequest
from generator.galleries import pages as galleries
from generator.galleries import queries
from generator.galleries.forms import LibraryFilterForm
from generator.galleries.views import kept
from generator.models import Batch, Membership, Run
from generator.money import budgets
from generator.runs import definitions as apps
from generator.runs.views import live
from generator.runs.views.actions import UNDO_KEY
from generator.teams import services as teams
from generator.templatetags.cards import card_kept_whole, card_version

FILTER_PARAMS = ("q", "app", "state", "team", "date_from", "date_to", "favourites")
PAGE_PARAMS = (*FILTER_PARAMS, "before", "after")


def _page_key(request, *, template: str) -> str | None:
    """The cache key of this exact page for this viewer, or None when it must be built
    (`kept.page_key`): its filters and place, and the minute, since cards say how long
    ago a run started ("3 minutes ago"): a kept page is right to the minute."""
    parts = [_known(request, PAGE_PARAMS).urlencode(), int(timezone.now().timestamp() // 60)]
    return kept.page_key(request, name=template, parts=parts)


def _known(request, names: tuple[str, ...]) -> QueryDict:
    """The request's parameters of these names only, in a fixed order."""
    known = QueryDict(mutable=True)
    for name in names:
        if name in request.GET:
            known.setlist(name, request.GET.getlist(name)[:1])
    return known


def _library(request, *, template: str, gallery: bool):
    return kept.kept_or_built(
        request,
        key=_page_key(request, template=template),
        build=lambda: _library_render(request, template=template, gallery=gallery),
        counter=metrics.gallery_pages,
    )


def _library_render(request, *, template: str, gallery: bool):
    # The team page also lists, for the teams the user manages, their pending invites.
    my_teams = (
        teams.teams_with_pending_invites(request.user)
        if gallery
        else teams.teams_of(user=request.user)
    )
    language = apps.a1_language()
    form = LibraryFilterForm(
        request.GET or None,
        apps=(
            queries.apps_used(language=language, team_ids=[team.pk for team in my_teams])
            if gallery
            else queries.apps_used(language=language, user=request.user)
        ),
        teams=my_teams if gallery else None,
    )
    active = [
        name
        for name, value in (form.cleaned_data if form.is_bound and form.is_valid() else {}).items()
        if value
    ]
    if gallery:
        sources = queries.gallery_sources(
            user=request.user, language=language, team=form.chosen_team(), filters=form.filters()
        )
    else:
        sources = queries.history_sources(
            user=request.user, language=language, filters=form.filters()
        )
    page = galleries.page_read(
        sources=sources,
        size=settings.HISTORY_PAGE_SIZE,
        before=request.GET.get("before"),
        after=request.GET.get("after"),
    )
    _read_kept_cards(request, page.cards, gallery=gallery)
    query = _known(request, FILTER_PARAMS)  # links carry the filters, never stray words
    context = {
        "form": form,
        "page": page,
        "cards": page.cards,
        "moving": page.moving,
        "query": query.urlencode(),
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
        context["undo"] = (
            queries.trash_list(user=request.user).filter(pk=undo).first() if undo else None
        )
    return render(request, f"{template}#grid" if request.htmx else template, context)


def _read_kept_cards(request, cards: list, *, gallery: bool) -> None:
    """Every kept card of the page (and its favourite button) in one cache call: one round
    trip to Redis rather than two per card. The keys are the ones the template's
    `{% cache %}` tags make (templates/includes/run_grid.html), so a card read here is
    shown as it was kept, and one missing here is drawn and kept by the template."""
    language, csrf = translation.get_language(), request.META.get("CSRF_COOKIE")
    path = request.get_full_path()
    wanted: dict[str, tuple[Run, str]] = {}
    for card in cards:
        if not isinstance(card, Run):
            continue
        # `gallery`: a team card names its person, a history card does not.
        kept = make_template_fragment_key("gallery_card", [card_version(card), gallery])
        wanted[kept] = (card, "kept")
        if card.user_id == request.user.id:
            vary = [card.pk, card.favourite, language, csrf, path]
            favourite = make_template_fragment_key("gallery_card_favourite", vary)
            wanted[favourite] = (card, "kept_favourite")
    for key, html in cache.get_many(list(wanted)).items():
        card, name = wanted[key]
        setattr(card, name, html)
    # A card whose parts were all kept is written whole here, not by the template.
    for card in cards:
        if not isinstance(card, Run):
            continue
        drawn, button = getattr(card, "kept", None), getattr(card, "kept_favourite", None)
        if drawn is not None and (button is not None or card.user_id != request.user.id):
            card.kept_whole = card_kept_whole(card, kept=drawn, favourite=button)  # type: ignore[attr-defined]


@login_required
@require_GET
def history(request: HtmxHttpRequest):
    return _library(request, template="galleries/history.html", gallery=False)


@login_required
@require_GET
def team_gallery(request: HtmxHttpRequest):
    return _library(request, template="galleries/team.html", gallery=True)


@login_required
@require_GET
def cards_live(request: HtmxHttpRequest):
    """The cards of a gallery page that changed since it was drawn (`s=<id>:<state>`),
    swapped in out of band; reads our database only. Runs that just finished are
    announced (`runs-finished`) for the tab title and notifications."""
    seen = dict(text.partition(":")[::2] for text in request.GET.getlist("s")[:100])
    language = apps.a1_language()
    changed, moving = galleries.card_changes(
        seen=seen,
        runs=queries.cards_named(
            qs=queries.for_grid(Run.objects.visible_to(request.user)), language=language
        ),
        batches=queries.cards_named(
            qs=queries.batch_cards(qs=Batch.objects.visible_to(request.user)), language=language
        ),
    )
    response = render(
        request,
        "includes/run_grid.html#changes",
        {"changed": changed, "moving": moving, "gallery": request.GET.get("g") == "1"},
    )
    # A run that changed and moves no more has ended (completed, failed or unknown).
    finished = [
        card for card in changed if isinstance(card, Run) and not galleries.card_moving(card)
    ]
    return live.runs_finished(response, finished)


@login_required
@require_GET
def trash(request: HtmxHttpRequest):
    """The user's deleted runs, restorable for TRASH_DAYS."""
    items = list(queries.trash_list(user=request.user))
    for item in items:
        item.purge_on = item.deleted_at + timedelta(days=settings.TRASH_DAYS)
    return render(request, "galleries/trash.html", {"items": items, "days": settings.TRASH_DAYS})
