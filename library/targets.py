"""Where a photo can go next: the apps (and their presets) a person is offered when
they use a result as input or share photos from their phone to the portal."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.models import AppDefinition, AppVisit
from generator.runs.definitions import a1_language, app_names
from generator.runs.inputs import app_slots
from library.models import LibraryEntry
from library.presets import presets_by_app

TARGETS_SHOWN = 12


@dataclass
class Target:
    app_id: str
    name: str
    pinned: bool
    presets: list = field(default_factory=list)


def photo_targets(*, user, limit: int = TARGETS_SHOWN) -> list[Target]:
    """The apps that take a photo which the person pinned in a library they see (their
    own or a team's), then those they opened most recently, each with the presets they
    may run: a handful of queries whatever the size of the libraries."""
    found: dict[str, Target] = {}
    pinned = (
        LibraryEntry.objects.visible_to(user)
        .filter(position__isnull=False, app__takes_photos=True, app__unavailable_code__isnull=True)
        .select_related("app")
        .order_by("position")[:limit]
    )
    for entry in pinned:
        if entry.app.app_id not in found:
            name = entry.title or entry.app.name or entry.app.app_id
            found[entry.app.app_id] = Target(entry.app.app_id, name, pinned=True)
    recent = list(
        AppVisit.objects.filter(user=user)
        .order_by("-last_opened")
        .values_list("app_id", flat=True)[: limit * 2]
    )
    newest: dict[str, AppDefinition] = {}
    for definition in AppDefinition.objects.filter(app_id__in=recent).order_by("fetched_at"):
        newest[definition.app_id] = definition
    names = app_names(app_ids=[*recent, *found], language=a1_language())
    for app_id in recent:
        latest = newest.get(app_id)
        if len(found) >= limit or app_id in found or latest is None:
            continue
        if app_slots(latest.app):
            name = names.get(app_id, (latest.name or app_id, ""))[0]
            found[app_id] = Target(app_id, name, pinned=False)
    for target in found.values():
        pinned_entry = next((e for e in pinned if e.app.app_id == target.app_id), None)
        if pinned_entry is not None and not pinned_entry.title and target.app_id in names:
            target.name = names[target.app_id][0]  # A1's name in the reader's language
    targets = list(found.values())[:limit]
    presets = presets_by_app(user=user, app_ids=[t.app_id for t in targets])
    for target in targets:
        target.presets = presets.get(target.app_id, [])
    return targets
