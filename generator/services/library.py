"""History, the team gallery, and what owners do with their generations."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.text import slugify

from ..forms import ImageSlot
from ..models import AppDefinition, Generation, InputImage, ResultImage, Team


@dataclass
class Filters:
    q: str = ""
    app: str = ""
    state: str = ""
    date_from: object = None
    date_to: object = None
    favourites: bool = False
    team: Team | None = None


def _filtered(qs: QuerySet, filters: Filters) -> QuerySet:
    if filters.q:
        for word in filters.q.split()[:8]:
            qs = qs.filter(search_text__icontains=word)
    if filters.app:
        qs = qs.filter(app_id=filters.app)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.date_from:
        qs = qs.filter(created__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created__date__lte=filters.date_to)
    if filters.favourites:
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


def history_list(*, user, filters: Filters) -> QuerySet:
    """The user's own generations, newest first."""
    qs = Generation.objects.filter(user=user, deleted_at__isnull=True, hidden=False)
    return _for_grid(_filtered(qs, filters).order_by("-created"))


def gallery_list(*, user, filters: Filters) -> QuerySet:
    """Everything members shared with the user's teams (or with one of them)."""
    teams = Team.objects.filter(memberships__user=user)
    if filters.team is not None:
        teams = teams.filter(pk=filters.team.pk)
    qs = Generation.objects.filter(
        visibility=Generation.Visibility.TEAM,
        team__in=teams,
        deleted_at__isnull=True,
        hidden=False,
    )
    return _for_grid(_filtered(qs, filters).order_by("-created"))


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


def generation_zip(*, generation: Generation) -> tuple[str, bytes]:
    """All saved results of a generation in one ZIP: (file name, bytes)."""
    base = slugify(generation.app_name) or "a1"
    name = f"{base}-{str(generation.id)[:8]}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for result in generation.results.all():
            if not result.file:
                continue
            suffix = result.file.name.rsplit(".", 1)[-1]
            with result.file.open("rb") as fh:
                archive.writestr(f"{name}-{result.index + 1}.{suffix}", fh.read())
    return f"{name}.zip", buffer.getvalue()


def remix_inputs(*, user, generation: Generation) -> dict[str, InputImage]:
    """The run's photos, as the user's own kept photos, keyed by form field name."""
    photos = {}
    for image in generation.inputs.all():
        if image.owner_id != user.id:
            # A teammate's photo: the remixer gets their own row for the same file.
            image = InputImage.objects.create(
                owner=user,
                form_id=image.form_id,
                position=image.position,
                file=image.file.name,
                original_name=image.original_name,
                width=image.width,
                height=image.height,
                byte_size=image.byte_size,
                notes=image.notes,
                a1_image_url=image.a1_image_url,
                a1_path=image.a1_path,
            )
        photos[ImageSlot.field_name(image.form_id, image.position)] = image
    return photos


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


def teams_of(user) -> QuerySet:
    return Team.objects.filter(memberships__user=user).order_by("name")
