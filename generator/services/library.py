"""History, the team gallery, and what owners do with their generations."""

from __future__ import annotations

from datetime import date
from typing import IO

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.text import slugify

from ..inputs import ImageSlot
from ..models import AppDefinition, Batch, Generation, InputImage, ResultImage, Team
from ..zips import zip_spool

ZIP_CHUNK = 1024 * 1024


def _filtered(
    qs: QuerySet,  # of runs or batches: both have search_text, app_id and created
    *,
    q: str = "",
    app: str = "",
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    favourites: bool = False,
) -> QuerySet:
    if q:
        for word in q.split()[:8]:
            qs = qs.filter(search_text__icontains=word)
    if app:
        qs = qs.filter(app_id=app)
    if state:
        qs = qs.filter(state=state)
    if date_from:
        qs = qs.filter(created__date__gte=date_from)
    if date_to:
        qs = qs.filter(created__date__lte=date_to)
    if favourites:
        qs = qs.filter(favourite=True)
    return qs


def _for_grid(qs: QuerySet) -> QuerySet:
    """Each card needs one picture: the first saved result, else the first photo.

    Subqueries fetch just those ids in the page's own query, rather than loading every
    image of every card.
    """
    first_result = ResultImage.objects.filter(generation=OuterRef("pk"), thumbnail__gt="").order_by(
        "index"
    )
    first_input = InputImage.objects.filter(generation=OuterRef("pk")).order_by(
        "form_id", "position"
    )
    return qs.select_related("user").annotate(
        card_result=Subquery(first_result.values("pk")[:1]),
        card_input=Subquery(first_input.values("pk")[:1]),
    )


def cards_named(*, qs: QuerySet, language: str) -> QuerySet:
    """Each card's app name in `language` (A1's code) where a definition in it is cached.

    A run keeps the name it had in the language it was started in; the card prefers the
    reader's language and falls back to that.
    """
    local = AppDefinition.objects.filter(app_id=OuterRef("app_id"), language=language).exclude(
        name=""
    )
    return qs.annotate(card_name=Subquery(local.order_by("-fetched_at").values("name")[:1]))


def history_list(
    *,
    user,
    q: str = "",
    app: str = "",
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    favourites: bool = False,
) -> QuerySet:
    """The user's own work, newest first: single runs, and each batch as one entry.

    Rows are (pk, created, kind) from a UNION, so one page needs one query however the
    two kinds interleave; `history_cards` turns a page of rows into cards.
    """
    runs = Generation.objects.filter(
        user=user, deleted_at__isnull=True, hidden=False, batch__isnull=True
    )
    runs = _filtered(
        runs, q=q, app=app, state=state, date_from=date_from, date_to=date_to, favourites=favourites
    )
    rows = runs.order_by().annotate(entry=Value("run")).values_list("pk", "created", "entry")
    if state or favourites:
        return rows.order_by("-created")  # states and favourites belong to single runs
    batches = _filtered(
        Batch.objects.filter(user=user).exclude(state=Batch.State.DRAFT),
        q=q,
        app=app,
        date_from=date_from,
        date_to=date_to,
    )
    batch_rows = (
        batches.order_by().annotate(entry=Value("batch")).values_list("pk", "created", "entry")
    )
    return rows.union(batch_rows, all=True).order_by("-created")


def runs_list(
    *,
    user,
    q: str = "",
    app: str = "",
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    favourites: bool = False,
) -> QuerySet:
    """The user's own runs, every one (batch items too), newest first: for scripts,
    which want runs rather than the history page's batch cards."""
    runs = Generation.objects.filter(user=user, deleted_at__isnull=True, hidden=False)
    runs = _filtered(
        runs, q=q, app=app, state=state, date_from=date_from, date_to=date_to, favourites=favourites
    )
    return _for_grid(runs.order_by("-created"))


def history_cards(rows, *, language: str) -> list:
    """The cards for a page of history rows, in the rows' order (two queries); app names
    in `language` where a definition in it is cached."""
    run_ids = [pk for pk, _created, kind in rows if kind == "run"]
    batch_ids = [pk for pk, _created, kind in rows if kind == "batch"]
    runs = cards_named(qs=_for_grid(Generation.objects.filter(pk__in=run_ids)), language=language)
    found = {g.pk: g for g in runs}
    if batch_ids:
        first_result = ResultImage.objects.filter(
            generation__batch=OuterRef("pk"), thumbnail__gt=""
        ).order_by("generation__finished_at", "index")
        batches = Batch.objects.filter(pk__in=batch_ids).annotate(
            card_result=Subquery(first_result.values("pk")[:1]),
            items_total=Count("items", filter=~Q(items__state="invalid"), distinct=True),
            items_done=Count(
                "generations", filter=Q(generations__state="completed"), distinct=True
            ),
        )
        found |= {b.pk: b for b in batches}
    return [found[pk] for pk, _created, _kind in rows if pk in found]


def gallery_list(
    *,
    user,
    team: Team | None = None,
    q: str = "",
    app: str = "",
    state: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    favourites: bool = False,
) -> QuerySet:
    """Everything members shared with the user's teams (or with one of them)."""
    teams = Team.objects.filter(memberships__user=user)
    if team is not None:
        teams = teams.filter(pk=team.pk)
    qs = Generation.objects.filter(
        visibility=Generation.Visibility.TEAM,
        team__in=teams,
        deleted_at__isnull=True,
        hidden=False,
    )
    qs = _filtered(
        qs, q=q, app=app, state=state, date_from=date_from, date_to=date_to, favourites=favourites
    )
    return _for_grid(qs.order_by("-created"))


def apps_used(*, qs: QuerySet) -> list[tuple[str, str]]:
    """(app id, name) pairs for the app filter."""
    rows = qs.order_by().values_list("app_id", "app_name").distinct()
    return sorted({(a, n or a) for a, n in rows if a}, key=lambda pair: pair[1].lower())


def generation_favourite(*, generation: Generation, favourite: bool) -> None:
    Generation.objects.filter(pk=generation.pk).update(favourite=favourite)
    generation.favourite = favourite


def generation_delete(*, generation: Generation) -> None:
    """Soft delete: gone for the user and their team; in the owner's trash for TRASH_DAYS."""
    Generation.objects.filter(pk=generation.pk).update(deleted_at=timezone.now())


def generation_restore(*, user, generation: Generation) -> bool:
    """Back out of the owner's trash; False when it is no longer restorable."""
    restored = Generation.objects.in_trash(user).filter(pk=generation.pk).update(deleted_at=None)
    if restored:
        generation.deleted_at = None
    return bool(restored)


def trash_list(*, user) -> QuerySet:
    """The user's deleted runs that can still be restored, most recently deleted first."""
    return _for_grid(Generation.objects.in_trash(user).order_by("-deleted_at"))


def generation_share(*, generation: Generation, visibility: str, team: Team | None) -> None:
    Generation.objects.filter(pk=generation.pk).update(
        visibility=visibility, team=team or generation.team
    )


def search_text_for(*, app_name: str, params: dict) -> str:
    words = [app_name] + [d.get("value", "") for d in params.get("description") or []]
    for key in ("style", "size"):
        if params.get(key):
            words.append(params[key].get("name") or params[key].get("label") or "")
    return " ".join(w for w in words if w)[:2000]


def generation_zip(*, generation: Generation) -> tuple[str, IO[bytes]]:
    """All saved results of a generation in one ZIP: (file name, open temporary file)
    for the response to stream and close (memory stays flat whatever the run's size)."""
    base = slugify(generation.app_name) or "a1"
    name = f"{base}-{str(generation.id)[:8]}"
    entries = (
        (f"{name}-{result.index + 1}.{result.file.name.rsplit('.', 1)[-1]}", result.file)
        for result in generation.results.all()
        if result.file
    )
    return f"{name}.zip", zip_spool(entries)


def remix_photos(*, user, generation: Generation) -> dict[str, InputImage]:
    """The run's photos the user may reuse, by form field name. Nothing is written:
    the remixer's own rows are made when the remix is submitted."""
    photos = InputImage.objects.visible_to(user).filter(generation=generation)
    return {ImageSlot.field_name(image.form_id, image.position): image for image in photos}


def remix_initial(*, generation: Generation) -> dict:
    """The run's choices as initial values of the app form."""
    params = generation.params or {}
    initial = {"generate_num": params.get("generate_num", generation.generate_num)}
    for item in params.get("description") or []:
        initial[f"desc_{item['id']}"] = item["value"]
    for key in ("style", "size"):
        if params.get(key):
            initial[key] = params[key]["id"]
    return initial
