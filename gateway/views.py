"""The five A1 endpoints, answered by the portal: a script written for A1 works by
changing only its base URL and key, and its runs get budgets, history, team sharing,
kept results and audit.

Each endpoint turns A1's request into plain data and calls the services the app form
uses (never the A1 client: the paid key stays on the server). Uploads are kept as our
photos and answered with a `path` naming them, which generate and optimize map back;
tasks are our runs, their images signed links to our kept copies.
"""

from __future__ import annotations

import io
import json
import logging
import uuid

from django.core import signing
from django.http import Http404, HttpRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from PIL import Image, UnidentifiedImageError

from a1 import Code
from a1.client import LANGUAGES
from common.image_links import fetch_image
from common.images import A1_MAX_BYTES, A1_MAX_SIDE, ImageRejected, normalise
from common.media import stored_image
from common.multipart import NamelessFiles
from gateway.envelope import GatewayError, a1_endpoint, answer
from gateway.links import PHOTO, RESULT, link_for, link_open
from generator.access import shown_or_404, shown_to
from generator.keys import services as keys
from generator.models import ApiKey, InputImage, ResultImage, Run
from generator.runs import definitions as apps
from generator.runs import enhance as enhancing
from generator.runs import photos
from generator.runs import starting as runs
from generator.runs.inputs import ImageSlot, RunChoices, app_slots, choices_fit

logger = logging.getLogger(__name__)

PATH_PREFIX = "studio/"
STATE: dict[str, int] = {Run.State.COMPLETED: 10, Run.State.FAILED: 20}
# A task id is the top 63 bits of the run's UUID: decimal digits that fit a signed
# 64-bit integer, as A1's do, so scripts that parse them as numbers keep them exact.
TASK_ID_SHIFT = 128 - 63
# What Pillow calls what A1 takes: PNG, JPEG, and JPEG with a multi-picture extension.
A1_FORMATS = {"PNG", "JPEG", "MPO"}


def task_id_of(run: Run) -> str:
    """Our run's id as A1-style digits: a decimal string below 2**63."""
    return str(run.pk.int >> TASK_ID_SHIFT)


def _task_run(request: HttpRequest, key: ApiKey, task_id: str) -> Run:
    """The caller's shown run a task id names: the short id, or (as earlier releases
    answered) the UUID's whole integer or its text."""
    task_id = task_id.strip()
    try:
        number = int(task_id) if task_id.isdigit() else None
        pk = uuid.UUID(int=number) if number is not None else uuid.UUID(task_id)
    except ValueError:
        raise Http404 from None
    if number is not None and number < 2**63:
        low = uuid.UUID(int=number << TASK_ID_SHIFT)
        high = uuid.UUID(int=((number + 1) << TASK_ID_SHIFT) - 1)
        mine = shown_to(request.user, Run).filter(user=key.user, pk__range=(low, high))
        found = mine.values_list("pk", flat=True).first()
        if found is None:
            raise Http404
        pk = found
    return shown_or_404(request.user, Run, pk, owned=True)


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise GatewayError(Code.INVALID_PARAMS, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise GatewayError(Code.INVALID_PARAMS, "the body must be a JSON object")
    return body


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _run_key(request: HttpRequest) -> uuid.UUID:
    """A1 has no idempotency key; a script may still send one, with the REST meaning."""
    try:
        return keys.idempotency_key_from(request.headers.get("Idempotency-Key", ""))
    except ValueError:
        raise GatewayError(Code.INVALID_PARAMS, "Idempotency-Key is too long") from None


# --- app details -------------------------------------------------------------------------


@a1_endpoint("GET")
def app_details(request: HttpRequest, key: ApiKey, app_id: str):
    """Without a known `language`, in the app's publishing language, as A1 documents:
    A1 is asked without one (and that answer is kept under the language "")."""
    if not (app_id.isdigit() and len(app_id) <= 32):
        raise GatewayError(Code.APP_NOT_FOUND)
    if not apps.app_allowed(user=request.user, app_id=app_id):
        raise GatewayError(Code.APP_API_DISABLED, "this portal's staff have not approved the app")
    language = request.GET.get("language", "")
    definition = apps.app_fetch(
        app_id=app_id, language=language if language in LANGUAGES else apps.PUBLISHING_LANGUAGE
    )
    apps.app_visit(user=request.user, app_id=definition.app_id)
    return definition.raw or definition.definition


# --- upload ------------------------------------------------------------------------------


@a1_endpoint("POST")
def upload(request: HttpRequest, key: ApiKey):
    """One image, as form-data: a `file` part (with or without a file name, as plain
    `requests` scripts send it) or an `imageUrl` value."""
    if request.content_type == "multipart/form-data":
        request.upload_handlers.insert(
            0, NamelessFiles(file_fields=("file",), max_file_bytes=A1_MAX_BYTES)
        )
    files = [f for name in request.FILES for f in request.FILES.getlist(name)]
    image_url = request.POST.get("imageUrl", "").strip()
    if len(files) + bool(image_url) > 1:
        raise GatewayError(Code.MORE_THAN_ONE_FILE)
    if files:
        if (files[0].size or 0) > A1_MAX_BYTES:
            raise GatewayError(Code.FILE_TOO_LARGE)
        content, name, source = files[0].read(), files[0].name or "", ""
    elif image_url:
        try:
            content = fetch_image(image_url)
        except ImageRejected as exc:
            raise GatewayError(Code.FILE_ERROR, str(exc)) from None
        name, source = image_url.rsplit("/", 1)[-1], image_url
    else:
        raise GatewayError(Code.MISSING_FILE)
    image = _as_a1_takes_it(content)
    image.original_name, image.source_url = name[-200:], source[:2000]
    kept = photos.photo_keep(user=request.user, image=image)
    return {
        "imageUrl": link_for(request, kind=PHOTO, image=kept, key_id=key.pk),
        "path": f"{PATH_PREFIX}{kept.pk}",
    }


def _as_a1_takes_it(content: bytes):
    """What A1's document accepts for an upload (png/jpg/jpeg, MPO from phones too, at
    most 10 MB, any pixel size), with A1's codes; then kept and scaled as the portal's
    own upload path keeps any photo (`normalise`), so A1 never sees more than 2048 px."""
    if len(content) > A1_MAX_BYTES:
        raise GatewayError(Code.FILE_TOO_LARGE)
    try:
        with Image.open(io.BytesIO(content)) as probe:
            fmt = probe.format
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise GatewayError(Code.NOT_AN_IMAGE) from None
    if fmt not in A1_FORMATS:
        raise GatewayError(Code.FORMAT_NOT_SUPPORTED)
    try:
        return normalise(content)
    except ImageRejected as exc:
        raise GatewayError(Code.INVALID_FILE, str(exc)) from None


def _photo(request: HttpRequest, item: dict) -> InputImage:
    """The kept photo an upload's `path` names, if this user may use it."""
    path = _text(item.get("path"))
    try:
        pk = uuid.UUID(path.removeprefix(PATH_PREFIX)) if path.startswith(PATH_PREFIX) else None
    except ValueError:
        pk = None
    image = shown_to(request.user, InputImage).filter(pk=pk).first() if pk else None
    if image is None:
        raise GatewayError(Code.INVALID_PARAMS, "images must be uploaded through this API first")
    return image


# --- generate ----------------------------------------------------------------------------


@a1_endpoint("POST")
def generate(request: HttpRequest, key: ApiKey):
    body = _json_body(request)
    app_id = _text(body.get("appId"))
    if not app_id:
        raise GatewayError(Code.INVALID_PARAMS, "appId is required")
    if not (app_id.isdigit() and len(app_id) <= 32):
        raise GatewayError(Code.APP_NOT_FOUND)
    if not apps.app_allowed(user=request.user, app_id=app_id):
        raise GatewayError(Code.APP_API_DISABLED, "this portal's staff have not approved the app")
    definition = apps.app_fetch(app_id=app_id, language=apps.a1_language())
    version = _text(body.get("versionId"))
    if version != definition.version_id:
        # Ours may be the stale one: ask A1 once; a script still behind gets A1's 324013.
        definition = apps.app_fetch(app_id=app_id, language=definition.language, force=True)
        if version != definition.version_id:
            raise GatewayError(Code.APP_UPDATED)
    try:  # missing, 0 or not a number: A1 answers 324011 (the range is checked below)
        count = int(_text(body.get("generateNum")))
    except ValueError:
        raise GatewayError(Code.QUANTITY_OUT_OF_RANGE) from None
    size = body.get("size")
    choices, dropped = choices_fit(
        app=definition.app,
        choices=RunChoices(
            descriptions={
                _text(item.get("id")): _text(item.get("value"))
                for item in _items(body.get("description"))
            },
            style=_text(body.get("styleId")),
            size=_text(size.get("sizeId")) if isinstance(size, dict) else "",
            generate_num=count,
        ),
    )
    if dropped:  # A1 ignores values for forms an app lacks; so do we, and say so here
        logger.info("Gateway: app %s has no form for %s; dropped", app_id, ", ".join(dropped))
    run = runs.run_start(
        user=request.user,
        definition=definition,
        choices=choices,
        photos=_photos(request, definition, body.get("cnet")),
        key=_run_key(request),
        api_key=key,
    )
    return {"taskId": task_id_of(run)}


def _items(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _photos(request: HttpRequest, definition, cnet) -> dict[str, InputImage]:
    """cnet items by the app form's photo slot: group photos by their position."""
    grouped = {slot.form_id for slot in app_slots(definition.app) if slot.position is not None}
    chosen = {}
    for item in _items(cnet):
        form_id = _text(item.get("id"))
        position = None
        if form_id in grouped:
            try:
                position = int(_text(item.get("position")))
            except ValueError:
                raise GatewayError(Code.INVALID_PARAMS, "cnet position must be a number") from None
        chosen[ImageSlot.field_name(form_id, position)] = _photo(request, item)
    return chosen


# --- optimize ----------------------------------------------------------------------------


@a1_endpoint("POST")
def optimize(request: HttpRequest, key: ApiKey):
    body = _json_body(request)
    if not _text(body.get("path")) or not _text(body.get("imageUrl")):
        raise GatewayError(Code.INVALID_PARAMS, "path and imageUrl are required")
    image = _photo(request, body)
    if max(image.width, image.height) > A1_MAX_SIDE:
        raise GatewayError(Code.DIMENSIONS_TOO_LARGE)
    run = enhancing.enhance_start(
        user=request.user, source=image, key=_run_key(request), api_key=key
    )
    return {"taskId": task_id_of(run)}


# --- tasks -------------------------------------------------------------------------------


@a1_endpoint("GET")
def task_query(request: HttpRequest, key: ApiKey, task_id: str):
    """A task is one of the caller's own runs (A1 answers only the caller's own tasks),
    while it is shown: a run hidden by staff or in the trash is no task any more.

    It reads as finished (10) once our copies exist, so its image links work.
    """
    run = _task_run(request, key, task_id)
    state = STATE.get(run.state, 30)
    data = {
        "id": task_id_of(run),
        "state": state,
        "images": [],
        "createDate": _iso(run.created),
        "startDate": _iso(run.submitted_at),
        "finishDate": _iso(run.finished_at),
    }
    if state == 10:
        data["images"] = [
            link_for(request, kind=RESULT, image=result, key_id=key.pk)
            for result in run.results.all()
            if result.file
        ]
    if run.state == Run.State.UNKNOWN:
        # Never re-sent by itself: the person decides on the run's page.
        data["state"] = 20
        data["failReason"] = (
            "The outcome of this submission is unknown: A1 did not answer. "
            "Check the run in the portal before sending it again."
        )
    elif state == 20:
        data["failReason"] = run.error_for("en")
    return data


def _iso(value) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


# --- the images behind the links ---------------------------------------------------------


@require_GET
def kept_file(request: HttpRequest, token: str, name: str):
    """Our kept image behind a signed link: no header needed, as with A1's links."""
    try:
        link = link_open(token)
    except signing.BadSignature:
        raise Http404 from None
    key = ApiKey.objects.active().select_related("user").filter(pk=link.key_id).first()
    if key is None:
        raise Http404
    # Checked again at every opening: a run hidden or trashed since takes its links along.
    image: ResultImage | InputImage
    if link.kind == RESULT:
        image = shown_or_404(key.user, ResultImage, link.image_id)
    else:
        image = shown_or_404(key.user, InputImage, link.image_id)
    return stored_image(image.file)


@csrf_exempt  # scripts send no CSRF token: a POST gets the envelope too, not a 403 page
def no_endpoint(request: HttpRequest, *args, **kwargs):
    """A path A1 does not have: A1's envelope, so a script reads it as it reads A1."""
    response = answer(code=Code.INVALID_PARAMS, detail="no such endpoint")
    response.status_code = 404
    return response
