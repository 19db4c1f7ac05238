"""Presets: a filled app form saved under a name, personal or shared with a team.

A preset keeps the choices (descriptions, style, size, count, team, visibility), never
photos. It remembers the app version it was checked against; against a newer version
it is checked again, and a choice the new form cannot take marks it "needs a look"
(with the reasons) instead of failing at submit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Min, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from generator.errors import SubmitRefused
from generator.models import AppDefinition, InputImage, Membership, Run, Team
from generator.runs.definitions import a1_language, app_allowed, app_fetch
from generator.runs.inputs import (
    RunChoices,
    app_slots,
    choices_against,
    choices_problems,
)
from generator.runs.starting import AppUpdated, run_start
from generator.teams.services import teams_of
from library.models import Preset


class PresetNeedsLook(SubmitRefused):
    """The app changed under the preset: someone must check it before it runs again."""

    def __init__(self, preset: Preset):
        message = " ".join(
            [
                _("The app has changed since this preset was saved; it needs a look before use."),
                *preset.problem_lines(),
            ]
        )
        super().__init__(message)
        self.preset = preset


def _usable(*, user, team: Team | None = None) -> Q:
    """Presets the user runs: their own and their teams' (and the shown team's)."""
    shown = Q(team=team) if team is not None else Q(pk__in=[])
    return Q(owner=user, team__isnull=True) | Q(team__in=teams_of(user=user)) | shown


def presets_for(*, user, app_id: str | None = None, team: Team | None = None) -> QuerySet:
    """The presets a user can start runs from (for an app page, a batch page or the
    API): their own first, then the given team's, then their other teams'."""
    qs = Preset.objects.filter(_usable(user=user, team=team)).select_related("team")
    if app_id is not None:
        qs = qs.filter(app_id=app_id)
    whens = [When(team__isnull=True, then=Value(0))]
    if team is not None:
        whens.append(When(team=team, then=Value(1)))
    first = Case(*whens, default=Value(2), output_field=IntegerField())
    return qs.annotate(shown_first=first).order_by("shown_first", "name")


def presets_by_app(*, user, app_ids: list[str], team: Team | None = None) -> dict[str, list]:
    """Presets of several apps at once (the library page's cards): one query."""
    found: dict[str, list] = {}
    for preset in presets_for(user=user, team=team).filter(app_id__in=app_ids):
        found.setdefault(preset.app_id, []).append(preset)
    return found


def can_share_with(*, user, team: Team) -> bool:
    if user.is_staff:
        return True
    return Membership.objects.filter(user=user, team=team, role=Membership.Role.MANAGER).exists()


def shareable_teams(*, user) -> QuerySet[Team]:
    """Teams the user may share presets with: those they manage (any, for staff)."""
    if user.is_staff:
        return Team.objects.order_by("name")
    return Team.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.MANAGER
    ).order_by("name")


def preset_save(
    *,
    user,
    definition: AppDefinition,
    name: str,
    choices: RunChoices,
    team: Team | None = None,
    preset: Preset | None = None,
) -> Preset:
    """Save new choices under a name (a new preset, or `preset` updated in place).

    A shared preset's runs count against its team. Raises SubmitRefused (with the
    field) for a name already used here, a team the user may not share with, or a
    choice the app would refuse.
    """
    app = definition.app
    if preset is not None:
        team = preset.team
    if team is not None:
        if not can_share_with(user=user, team=team):
            raise SubmitRefused(
                _("Only the team's managers can share presets with it."), "preset_team"
            )
        choices = replace(choices, team_id=team.pk)
    problems = choices_problems(app, choices, {slot.name for slot in app_slots(app)})
    problems.pop("visibility", None)
    if problems:
        raise SubmitRefused(
            _("Some fields need your attention."), next(iter(problems)), problems=problems
        )
    values = {
        "name": name.strip()[:100],
        "choices": choices.to_json(),
        "version_id": app.version_id,
        "problems": [],
        "updated": timezone.now(),
    }
    try:
        with transaction.atomic():
            if preset is None:
                preset = Preset.objects.create(app_id=app.id, owner=user, team=team, **values)
            else:
                Preset.objects.filter(pk=preset.pk).update(**values)
                for key, value in values.items():
                    setattr(preset, key, value)
    except IntegrityError:
        raise SubmitRefused(
            _("There is already a preset with this name for this app here."), "preset_name"
        ) from None
    return preset


def preset_delete(*, preset: Preset) -> None:
    Preset.objects.filter(pk=preset.pk).delete()


def _before(app_id: str, version_id: str):
    """The version a preset was made for, if we still have it (its labels name what went)."""
    definition = (
        AppDefinition.objects.filter(app_id=app_id, version_id=version_id)
        .order_by("-fetched_at")
        .first()
    )
    return definition.app if definition is not None else None


def _seen_before(app_id: str, version: str, other: str) -> bool:
    """Whether we first saw `version` of the app before `other` (our own order of
    sight, not a guess from A1's ids); False when either was never cached."""
    firsts = dict(
        AppDefinition.objects.filter(app_id=app_id, version_id__in=[version, other])
        .values("version_id")
        .annotate(first=Min("pk"))
        .values_list("version_id", "first")
    )
    return version in firsts and other in firsts and firsts[version] < firsts[other]


def preset_check(*, preset: Preset, definition: AppDefinition) -> Preset:
    """Check a preset against the app's current version (once per version).

    Written only if nobody saved the preset meanwhile, so a manager's fix is never
    overwritten by an older check.
    """
    if preset.version_id == definition.version_id:
        return preset
    if _seen_before(preset.app_id, definition.version_id, preset.version_id):
        return preset  # a stale cached definition: the preset is already newer
    problems = choices_against(
        definition.app,
        RunChoices.from_json(preset.choices),
        before=_before(preset.app_id, preset.version_id),
    )
    Preset.objects.filter(pk=preset.pk, updated=preset.updated).update(
        version_id=definition.version_id, problems=problems
    )
    preset.version_id, preset.problems = definition.version_id, problems
    return preset


def presets_review(*, definition: AppDefinition) -> int:
    """Check every preset of this app made for another version; returns how many now
    need a look."""
    flagged = 0
    for preset in Preset.objects.filter(app_id=definition.app_id).exclude(
        version_id=definition.version_id
    ):
        flagged += preset_check(preset=preset, definition=definition).needs_look
    return flagged


def preset_run_start(
    *,
    user,
    preset: Preset,
    photos: Mapping[str, InputImage],
    key: uuid.UUID,
    language: str | None = None,
    **origin,
) -> Run:
    """Start a run from a preset: its choices plus the photos (slot field name ->
    photo the user may use), through run_start's idempotency and budgets.

    The caller has checked the user may see the preset (access.visible_or_404).
    Raises PresetNeedsLook (a SubmitRefused) when the app changed under the preset,
    otherwise what app_fetch and run_start raise.
    """
    existing = Run.objects.filter(idempotency_key=key, user=user).first()
    if existing is not None:
        return existing
    if not app_allowed(user=user, app_id=preset.app_id):
        raise SubmitRefused(
            _("Your team only uses apps staff have approved; this one is not on the list yet.")
        )
    definition = app_fetch(app_id=preset.app_id, language=language or a1_language())
    preset_check(preset=preset, definition=definition)
    if preset.needs_look:
        raise PresetNeedsLook(preset)
    try:
        return run_start(
            user=user,
            definition=definition,
            choices=RunChoices.from_json(preset.choices),
            photos=photos,
            key=key,
            **origin,
        )
    except AppUpdated as exc:
        # A1 changed the app between our read and the submit: the preset is checked
        # against the new form now, so the caller's next try meets the right state.
        preset_check(preset=preset, definition=exc.definition)
        raise
