"""Batches: one app over many items, quoted and held at once, followed, zipped.

Starting goes through the services the batch page uses (`batch_create`, `batch_start`):
the same checks, the same holds against the user's, team's and key's budgets, the same
pace. The `Idempotency-Key` header names the batch: sending it again answers the batch
it already made.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Header, Router, Status

from api.apps import definition_for
from api.auth import KeyedHttpRequest, api_key_of
from api.errors import ApiError
from api.runs import photos_for, run_key, site_base
from api.schemas import BatchIn, BatchOut, errors, run_choices_of
from common.zips import zip_response
from generator.access import owned_or_404, visible_or_404
from generator.batches import archive
from generator.batches import services as batches
from generator.batches import status as batch_status
from generator.batches.services import ItemSpec
from generator.models import Batch
from generator.runs.inputs import RunChoices
from generator.runs.summaries import batch_json
from library.models import Preset

router = Router(tags=["batches"])


def _answer(request: HttpRequest, batch: Batch, status: int = 200):
    base = site_base(request)
    body = batch_json(batch, progress=batch_status.batch_progress(batch=batch), base=base)
    return Status(status, body)


def _choices(request: HttpRequest, body: BatchIn) -> RunChoices:
    if body.preset_id:
        preset = visible_or_404(request.user, Preset, body.preset_id)
        if preset.app_id != body.app_id:
            raise ApiError(
                422,
                "invalid",
                gettext_lazy("That preset is for another app."),
                fields={"preset_id": gettext_lazy("That preset is for another app.")},
            )
        return run_choices_of(body).over(RunChoices.from_json(preset.choices))
    return run_choices_of(body)


@router.post(
    "",
    response={200: BatchOut, 201: BatchOut, **errors(401, 402, 403, 404, 409, 422, 429, 502)},
    url_name="batch_create",
    summary="Start a batch",
)
def batch_create(
    request: KeyedHttpRequest,
    body: BatchIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    """Run one app over many items: every item is checked first, the whole quote is held
    against the budgets, and the worker sends items at a pace A1 accepts. 201: made;
    200: this Idempotency-Key already made it."""
    key = run_key(idempotency_key) if idempotency_key else None
    if key is not None:
        existing = Batch.objects.filter(user=request.user, idempotency_key=key).first()
        if existing is not None:
            return _answer(request, existing)
    definition = definition_for(request, body.app_id, body.language)
    items = []
    for n, item in enumerate(body.items):
        photos = photos_for(request.user, item.photos, prefix=f"items[{n}].photos")
        items.append(ItemSpec(label=item.label, photos=photos, descriptions=item.texts))
    batch, created = batches.batch_create(
        user=request.user,
        definition=definition,
        choices=_choices(request, body),
        items=items,
        key=key,
        api_key=api_key_of(request),
    )
    if created and body.start:
        batches.batch_start(
            batch=batch, api_key=api_key_of(request), only_what_fits=body.only_what_fits
        )
        batch.refresh_from_db()
    return _answer(request, batch, 201 if created else 200)


@router.get(
    "/{batch_id}",
    response={200: BatchOut, **errors(401, 404, 429)},
    url_name="batch_detail",
    summary="A batch, its counts and its items",
)
def batch_detail(request: HttpRequest, batch_id: str):
    """A batch you started: its state, counts, points and each item with its run."""
    return _answer(request, visible_or_404(request.user, Batch, batch_id))


@router.post(
    "/{batch_id}/start",
    response={200: BatchOut, **errors(401, 402, 404, 422, 429)},
    url_name="batch_start",
    summary="Start a draft batch",
)
def batch_start(request: HttpRequest, batch_id: str, only_what_fits: bool = False):
    """Hold the quote and start a batch made with `start: false` (a second call is a no-op)."""
    batch = owned_or_404(request.user, Batch, batch_id)
    batches.batch_start(batch=batch, api_key=api_key_of(request), only_what_fits=only_what_fits)
    batch.refresh_from_db()
    return _answer(request, batch)


@router.post(
    "/{batch_id}/cancel",
    response={200: BatchOut, **errors(401, 404, 429)},
    url_name="batch_cancel",
    summary="Cancel the items not yet sent",
)
def batch_cancel(request: HttpRequest, batch_id: str):
    """Cancel every item not yet sent; their held points are released at once."""
    batch = owned_or_404(request.user, Batch, batch_id)
    batches.batch_cancel(batch=batch)
    batch.refresh_from_db()
    return _answer(request, batch)


@router.get(
    "/{batch_id}/zip",
    response={200: bytes, **errors(401, 404, 429)},
    url_name="batch_zip",
    summary="Every result of the batch in one ZIP",
)
def batch_zip(request: HttpRequest, batch_id: str):
    """Every saved result, named after its item, streamed."""
    batch = visible_or_404(request.user, Batch, batch_id)
    name, spool = archive.batch_zip(batch=batch)
    return zip_response(spool, filename=name)
