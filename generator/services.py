"""Work that spans our database and the A1 API. Views and tasks call these."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language

from .a1 import A1Client, A1Error, CnetValue, Code, GenerateRequest
from .a1.errors import APP_UNAVAILABLE_CODES
from .forms import AppForm
from .images import Normalised
from .messages import is_image_error, user_message
from .models import AppDefinition, AppVisit, Generation, InputImage

logger = logging.getLogger(__name__)

FIRST_POLL_AFTER = timedelta(seconds=5)  # the API text asks for ~5 s before the first query
UNAVAILABLE_SECONDS = 300

_local = threading.local()


def a1_client() -> A1Client:
    """One client (one connection pool) per thread, rebuilt if the settings change."""
    config = (settings.A1_BASE_URL, settings.A1_API_KEY, settings.A1_SECTION, settings.A1_TIMEOUT)
    if getattr(_local, "config", None) != config:
        _local.client = A1Client.from_settings()
        _local.config = config
    return _local.client


def a1_language(language: str | None = None) -> str:
    """A1's language code for a Django language code."""
    language = (language or get_language() or "en").lower()
    if language in ("zh-hans", "zh-cn", "zh"):
        return "zh_CN"
    if language in ("zh-hant", "zh-tw", "zh-hk"):
        return "zh_TW"
    return "en_US"


class AppUnavailable(Exception):
    """A1 will not serve this app through the API (or it does not exist)."""

    def __init__(self, error: A1Error):
        super().__init__(str(error))
        self.error = error
        self.code = error.code

    @property
    def message(self) -> str:
        return user_message(self.error)


def app_fetch(*, app_id: str, language: str, force: bool = False) -> AppDefinition:
    """The app's definition, from our cache while fresh, else from A1.

    Raises AppUnavailable for apps A1 will not serve, A1Error when A1 cannot be asked.
    """
    latest = (
        AppDefinition.objects.filter(app_id=app_id, language=language)
        .order_by("-fetched_at")
        .first()
    )
    fresh_after = timezone.now() - timedelta(seconds=settings.APP_CACHE_SECONDS)
    if latest and not force and latest.fetched_at > fresh_after:
        return latest
    refused = cache.get(f"a1-app-refused:{app_id}")
    if refused and not force:
        raise AppUnavailable(A1Error(refused))
    try:
        app = a1_client().app(app_id, language=language)
    except A1Error as exc:
        if exc.code in APP_UNAVAILABLE_CODES:
            cache.set(f"a1-app-refused:{app_id}", exc.code, UNAVAILABLE_SECONDS)
            raise AppUnavailable(exc) from exc
        if latest is not None and exc.retry_safe:
            logger.warning("Using a stale definition of app %s: %s", app_id, exc)
            return latest
        raise
    definition, _ = AppDefinition.objects.update_or_create(
        app_id=app.id or app_id,
        version_id=app.version_id,
        language=language,
        defaults={
            "name": app.name[:300],
            "cover": app.cover[:1000],
            "definition": app.to_json(),
            "raw": app.raw,
            "fetched_at": timezone.now(),
        },
    )
    return definition


def app_visit(*, user, app_id: str) -> None:
    AppVisit.objects.update_or_create(
        user=user, app_id=app_id, defaults={"last_opened": timezone.now()}
    )


@dataclass
class RecentApp:
    app_id: str
    name: str
    cover: str
    cost: int
    last_used: object
    is_node: bool


def apps_recent(*, user, language: str, limit: int = 60) -> list[RecentApp]:
    """Apps the user or their teammates opened, most recently used first."""
    team_users = user.memberships.values("team__memberships__user")
    visits = (
        (AppVisit.objects.filter(user__in=team_users) | AppVisit.objects.filter(user=user))
        .values("app_id")
        .annotate(last=Max("last_opened"))
        .order_by("-last")[:limit]
    )
    last_by_app = {v["app_id"]: v["last"] for v in visits}
    definitions = {}
    for definition in AppDefinition.objects.filter(app_id__in=last_by_app).order_by("fetched_at"):
        # Prefer the user's language; any language beats none.
        if definition.language == language or definition.app_id not in definitions:
            definitions[definition.app_id] = definition
    recent = []
    for app_id, last in last_by_app.items():
        definition = definitions.get(app_id)
        if definition is None:
            continue
        app = definition.app
        recent.append(RecentApp(app_id, app.name, app.cover, app.cost(1), last, app.is_node))
    return recent


# --- generation ------------------------------------------------------------------


class SubmitRefused(Exception):
    """The submission cannot go ahead; `field` is where the message belongs (or None)."""

    def __init__(self, message: str, field: str | None = None, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class AppUpdated(Exception):
    """A1 says the app changed (324013); the new definition is attached."""

    def __init__(self, definition: AppDefinition):
        super().__init__("app updated")
        self.definition = definition


def inputs_stage(*, user, form: AppForm) -> None:
    """Keep every photo the user gave, even if the rest of the form is wrong.

    Re-rendered forms then show them and send them again by id: no one uploads twice.
    """
    for slot in form.slots:
        image = form.images.get(slot.name)
        if not isinstance(image, Normalised):
            continue
        saved = InputImage(
            owner=user,
            form_id=slot.form_id,
            position=slot.position,
            original_name=image.original_name,
            source_url=image.source_url[:2000],
            width=image.width,
            height=image.height,
            byte_size=len(image.content),
            notes=image.notes,
        )
        saved.file.save(f"{saved.id}{image.extension}", ContentFile(image.content), save=True)
        form.images[slot.name] = saved
        form.staged[slot.name] = saved


def _upload_inputs(form: AppForm) -> None:
    """Send each staged photo to A1 once; A1's imageUrl/path are kept on the row."""
    client = a1_client()
    for slot in form.slots:
        image = form.images.get(slot.name)
        if image is None or image.a1_path:
            continue
        with image.file.open("rb") as fh:
            content = fh.read()
        try:
            upload = client.upload_file(content, f"photo{image.file.name[-4:]}")
        except A1Error as exc:
            field = slot.name if is_image_error(exc) else None
            raise SubmitRefused(user_message(exc), field, exc.code) from exc
        image.a1_image_url, image.a1_path = upload.image_url, upload.path
        image.save(update_fields=["a1_image_url", "a1_path"])


def _request_for(definition: AppDefinition, form: AppForm) -> GenerateRequest:
    app = definition.app
    data = form.cleaned_data
    cnet = tuple(
        CnetValue(slot.form_id, image.a1_image_url, image.a1_path, slot.position)
        for slot in form.slots
        if (image := form.images.get(slot.name)) is not None
    )
    description = tuple(
        (name.removeprefix("desc_"), value.strip())
        for name, value in data.items()
        if name.startswith("desc_") and value and value.strip()
    )
    return GenerateRequest(
        app_id=app.id,
        version_id=app.version_id,
        generate_num=data["generate_num"],
        cnet=cnet,
        description=description,
        style_id=data.get("style", ""),
        size_id=data.get("size", ""),
    )


def generation_start(*, user, definition: AppDefinition, form: AppForm) -> Generation:
    """Upload the photos, send generate exactly once, and record the Generation.

    Returns the existing Generation when this form (idempotency key) was already
    submitted. Raises SubmitRefused or AppUpdated when nothing was started.
    """
    key = form.cleaned_data["idempotency_key"]
    existing = Generation.objects.filter(idempotency_key=key, user=user).first()
    if existing is not None:
        return existing
    app = definition.app
    if not app.generatable:
        raise SubmitRefused(user_message(A1Error(Code.APP_API_DISABLED)))
    _upload_inputs(form)
    request = _request_for(definition, form)
    try:
        with transaction.atomic():
            generation = Generation.objects.create(
                user=user,
                definition=definition,
                app_id=app.id,
                app_name=app.name[:300],
                version_id=app.version_id,
                language=definition.language,
                generate_num=request.generate_num,
                params=_params(form),
                request_body=request.to_json(),
                idempotency_key=key,
                points_quoted=app.cost(request.generate_num),
                state=Generation.State.SUBMITTING,
            )
            _attach_inputs(generation, form)
    except IntegrityError:
        # A double click raced us to the same idempotency key: show the first one.
        return Generation.objects.get(idempotency_key=key, user=user)
    return _send(generation, request, definition)


def _send(generation: Generation, request: GenerateRequest, definition) -> Generation:
    now = timezone.now()
    try:
        task_id = a1_client().generate(request)
    except A1Error as exc:
        if exc.outcome_unknown:
            generation.state = Generation.State.UNKNOWN
            generation.error_code, generation.submitted_at = exc.code, now
            generation.error_message, generation.error_message_cn = exc.msg, exc.msg_cn
            generation.save()
            logger.warning("Generation %s: outcome unknown (%s)", generation.id, exc)
            return generation
        # A definite refusal spent nothing: forget the attempt, keep the inputs staged.
        generation.inputs.update(generation=None)
        generation.delete()
        if exc.code == Code.APP_UPDATED:
            fresh = app_fetch(app_id=definition.app_id, language=definition.language, force=True)
            raise AppUpdated(fresh) from exc
        field = "generate_num" if exc.code == Code.QUANTITY_OUT_OF_RANGE else None
        raise SubmitRefused(user_message(exc), field, exc.code) from exc
    generation.task_id = task_id
    generation.state = Generation.State.RUNNING
    generation.submitted_at = now
    generation.next_poll_at = now + FIRST_POLL_AFTER
    generation.save()
    return generation


def _params(form: AppForm) -> dict:
    """What the user chose, with the labels they saw, for the generation page and remix."""
    data = form.cleaned_data
    app = form.app
    styles = {s.id: s.name for s in app.styles}
    sizes = dict(form.fields["size"].choices) if "size" in form.fields else {}
    return {
        "description": [
            {
                "id": name.removeprefix("desc_"),
                "label": str(form.fields[name].label),
                "value": value,
            }
            for name, value in data.items()
            if name.startswith("desc_") and value
        ],
        "style": {"id": data["style"], "name": styles.get(data["style"], "")}
        if data.get("style")
        else None,
        "size": {"id": data["size"], "label": sizes.get(data["size"], "")}
        if data.get("size")
        else None,
        "generate_num": data["generate_num"],
    }


def _attach_inputs(generation: Generation, form: AppForm) -> None:
    for slot in form.slots:
        image = form.images.get(slot.name)
        if image is None:
            continue
        if image.generation_id and image.generation_id != generation.id:
            # Reused from an earlier run: the new run gets its own row, same file.
            image.pk = uuid.uuid4()
            image._state.adding = True
        image.generation = generation
        image.save()
