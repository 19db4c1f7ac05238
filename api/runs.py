"""Runs: start one (generate or enhance) and read one, with our own result links.

Starting goes through `run_start` / `enhance_start`, the services the app form
uses: the same rules, budgets (plus the key's own) and idempotency. The
`Idempotency-Key` header plays the form's hidden key: the same key from the same user
is the same run, however often the request is sent.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Header, Router, Status

from api.apps import definition_for
from api.auth import KeyedHttpRequest, api_key_of
from api.errors import ApiError
from api.schemas import BatchOut, EnhanceIn, RunIn, RunOut, errors, run_choices_of
from generator.access import shown_or_404, shown_to
from generator.approvals.asking import run_ask_approval
from generator.batches.status import batch_progress
from generator.errors import ApprovalRequired
from generator.keys import services as keys
from generator.models import Batch, InputImage, ResultImage, Run
from generator.runs import enhance as enhancing
from generator.runs import starting as runs
from generator.runs.summaries import batch_json, run_json

router = Router(tags=["runs"])

START_ERRORS = errors(401, 402, 403, 404, 409, 422, 429, 502)


def run_key(header: str) -> uuid.UUID:
    try:
        return keys.idempotency_key_from(header)
    except ValueError:
        raise ApiError(
            422,
            "invalid",
            gettext_lazy("The Idempotency-Key header is longer than 255 characters."),
            fields={"Idempotency-Key": gettext_lazy("At most 255 characters.")},
        ) from None


def site_base(request: HttpRequest) -> str:
    """The portal's own address as the caller reached it, for the links in answers."""
    return request.build_absolute_uri("/").rstrip("/")


def run_answer(request: HttpRequest, run: Run, *, created: bool) -> Status:
    return Status(201 if created else 200, run_json(run, base=site_base(request)))


def run_replayed(request: KeyedHttpRequest, key: uuid.UUID) -> Status | None:
    """The answer to a request whose Idempotency-Key already started a run: that run,
    with 200, and nothing started again. None: the key is new."""
    run = Run.objects.filter(user=request.user, idempotency_key=key).first()
    return None if run is None else run_answer(request, run, created=False)


@router.post(
    "",
    response={200: RunOut, 201: RunOut, 202: BatchOut, **START_ERRORS},
    url_name="run_create",
    summary="Start a run",
)
def run_create(
    request: KeyedHttpRequest,
    body: RunIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    """Start a run of an app. 201: started; 200: this Idempotency-Key already started it;
    202: its quote is over an approval threshold, so it waits for a manager as a batch of
    one (the body is that batch: state `awaiting_approval`, its `approval`; follow it at
    `GET /batches/{id}`)."""
    key = run_key(idempotency_key)
    if (replayed := run_replayed(request, key)) is not None:
        return replayed
    if (
        waiting := Batch.objects.filter(user=request.user, idempotency_key=key).first()
    ) is not None:
        return _waiting(request, waiting)
    definition = definition_for(request, body.app_id, body.language)
    photos = photos_for(request.user, body.photos)
    choices = run_choices_of(body)
    try:
        run = runs.run_start(
            user=request.user,
            definition=definition,
            choices=choices,
            photos=photos,
            key=key,
            api_key=api_key_of(request),
        )
    except ApprovalRequired:
        batch = run_ask_approval(
            user=request.user,
            definition=definition,
            choices=choices,
            photos=photos,
            key=key,
            api_key=api_key_of(request),
        )
        return _waiting(request, batch)
    return run_answer(request, run, created=True)


def _waiting(request: KeyedHttpRequest, batch: Batch):
    body = batch_json(batch, progress=batch_progress(batch=batch), base=site_base(request))
    return Status(202, body)


def photos_for(user, chosen: dict[str, str], *, prefix: str = "photos") -> dict[str, InputImage]:
    """The uploads named for each slot, if the user may use them (their own, or a run's
    they can see, as a remix may); any other id is a field error, never a 404 leak."""
    found, problems = {}, {}
    for name, upload_id in chosen.items():
        try:
            pk = uuid.UUID(str(upload_id))
        except ValueError:
            pk = None
        image = shown_to(user, InputImage).filter(pk=pk).first() if pk else None
        if image is None:
            problems[f"{prefix}.{name}"] = gettext_lazy("No upload with this id: upload it first.")
        else:
            found[name] = image
    if problems:
        raise ApiError(422, "invalid", gettext_lazy("Some values are not valid."), fields=problems)
    return found


@router.post(
    "/enhance",
    response={200: RunOut, 201: RunOut, **START_ERRORS},
    url_name="run_enhance",
    summary="Enhance an image (3 points)",
)
def run_enhance(
    request: KeyedHttpRequest,
    body: EnhanceIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
):
    """Enhance (A1's optimize, 3 points) an upload or a result you can see."""
    key = run_key(idempotency_key)
    if (replayed := run_replayed(request, key)) is not None:
        return replayed
    if bool(body.upload_id) == bool(body.result_id):
        raise ApiError(
            422,
            "invalid",
            gettext_lazy("Give either upload_id or result_id."),
            fields={"upload_id": gettext_lazy("Give either upload_id or result_id.")},
        )
    source: ResultImage | InputImage
    if body.result_id:
        source = shown_or_404(request.user, ResultImage, body.result_id)
    else:
        source = shown_or_404(request.user, InputImage, body.upload_id)
    run = enhancing.enhance_start(
        user=request.user, source=source, key=key, api_key=api_key_of(request)
    )
    return run_answer(request, run, created=True)


@router.get(
    "/{run_id}",
    response={200: RunOut, **errors(401, 404, 429)},
    url_name="run_detail",
    summary="A run, its state and its results",
)
def run_detail(request: HttpRequest, run_id: str):
    """A run you may see (yours, or shared with your team): its state and result links."""
    run = shown_or_404(request.user, Run, run_id)
    return run_json(run, base=site_base(request))
