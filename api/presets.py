"""Presets: the saved choices of an app, listed and run with only the photos to give.

Starting a run from a preset goes through `preset_run_start`, which uses
`run_start`: the same idempotency, budgets (plus the key's own) and rules as
the app form. A preset whose app changed under it answers 409 until someone checks it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Query, Router

from api.apps import a1_language_of
from api.auth import KeyedHttpRequest, api_key_of
from api.errors import ApiError
from api.runs import START_ERRORS, photos_for, run_answer, run_key, run_replayed
from api.schemas import NO_NUL, PresetOut, PresetRunIn, RunOut, errors
from generator.access import visible_or_404
from library import presets
from library.models import Preset

router = Router(tags=["presets"])


def _preset_json(preset: Preset) -> dict:
    return {
        "id": str(preset.pk),
        "name": preset.name,
        "app_id": preset.app_id,
        "team_id": preset.team_id,
        "needs_look": preset.needs_look,
        "choices": preset.choices or {},
    }


@router.get(
    "",
    response={200: list[PresetOut], **errors(401, 422, 429)},
    url_name="preset_list",
    summary="The presets you can run",
)
def preset_list(
    request: HttpRequest, app_id: str | None = Query(None, pattern=NO_NUL, max_length=64)
):
    """Your presets and your teams' (optionally of one app), yours first."""
    return [_preset_json(p) for p in presets.presets_for(user=request.user, app_id=app_id)]


@router.post(
    "/{preset_id}/runs",
    response={200: RunOut, 201: RunOut, **START_ERRORS},
    url_name="preset_run",
    summary="Start a run from a preset",
)
def preset_run(
    request: KeyedHttpRequest,
    preset_id: str,
    body: PresetRunIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    """The preset's choices plus your photos. 201: started; 200: this Idempotency-Key
    already started it; 409 `preset_needs_look`: the app changed under the preset."""
    key = run_key(idempotency_key)
    if (replayed := run_replayed(request, key)) is not None:
        return replayed
    preset = visible_or_404(request.user, Preset, preset_id)
    try:
        run = presets.preset_run_start(
            user=request.user,
            preset=preset,
            photos=photos_for(request.user, body.photos),
            key=key,
            language=a1_language_of(body.language),
            api_key=api_key_of(request),
        )
    except presets.PresetNeedsLook as exc:
        raise ApiError(409, "preset_needs_look", exc.message) from exc
    return run_answer(request, run, created=True)
