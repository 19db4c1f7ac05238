"""Starting a generation: photos kept and uploaded, generate sent exactly once."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..a1 import A1Error, CnetValue, Code, GenerateRequest
from ..forms import AppForm
from ..images import Normalised
from ..messages import is_image_error, user_message
from ..models import AppDefinition, Generation, InputImage
from .apps import a1_client, app_fetch
from .budgets import balance_alert_raise, budget_check
from .errors import SubmitRefused
from .library import search_text_for
from .teams import billing_team, default_sharing

logger = logging.getLogger(__name__)

FIRST_POLL_AFTER = timedelta(seconds=5)  # the API text asks for ~5 s before the first query

# --- generation ------------------------------------------------------------------


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
    data = form.cleaned_data
    team = billing_team(user=user, chosen=data.get("team"))
    visibility = data.get("visibility") or default_sharing(user=user)[0]
    if team is None:
        visibility = Generation.Visibility.PRIVATE
    budget_check(user=user, team=team, points=app.cost(data["generate_num"]))
    _upload_inputs(form)
    request = _request_for(definition, form)
    params = _params(form)
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
                params=params,
                team=team,
                visibility=visibility,
                search_text=search_text_for(app_name=app.name, params=params),
                request_body=request.to_json(),
                idempotency_key=key,
                points_quoted=app.cost(request.generate_num),
                state=Generation.State.SUBMITTING,
            )
            _attach_inputs(generation, form)
    except IntegrityError:
        # A double click raced us to the same idempotency key: show the first one.
        return Generation.objects.get(idempotency_key=key, user=user)
    try:
        return send_once(generation, lambda: a1_client().generate(request))
    except A1Error as exc:
        if exc.code == Code.APP_UPDATED:
            fresh = app_fetch(app_id=definition.app_id, language=definition.language, force=True)
            raise AppUpdated(fresh) from exc
        field = "generate_num" if exc.code == Code.QUANTITY_OUT_OF_RANGE else None
        raise SubmitRefused(user_message(exc), field, exc.code) from exc


def send_once(generation: Generation, call) -> Generation:
    """Send the call that spends points, once, and record what is known afterwards.

    No answer: the generation is "unknown" and nothing is re-sent. A definite refusal
    spent nothing: the row is removed (its photos stay kept) and the A1Error raised.
    """
    now = timezone.now()
    try:
        task_id = call()
    except A1Error as exc:
        if exc.outcome_unknown:
            generation.state = Generation.State.UNKNOWN
            generation.error_code, generation.submitted_at = exc.code, now
            generation.error_message, generation.error_message_cn = exc.msg, exc.msg_cn
            generation.save()
            logger.warning("Generation %s: outcome unknown (%s)", generation.id, exc)
            return generation
        generation.inputs.update(generation=None)
        generation.delete()
        if exc.code == Code.BALANCE_INSUFFICIENT:
            balance_alert_raise(message=str(exc))
        raise
    generation.task_id = task_id
    generation.state = Generation.State.RUNNING
    generation.submitted_at = now
    generation.next_poll_at = now + FIRST_POLL_AFTER
    generation.stall_at = now + timedelta(seconds=settings.A1_STALL_AFTER)
    generation.save()
    track(generation)
    return generation


def track(generation: Generation) -> None:
    """Hand the generation to the worker: its first poll is due at next_poll_at."""
    from ..tasks import poll_generation

    when = generation.next_poll_at
    transaction.on_commit(lambda: poll_generation.using(run_after=when).enqueue(str(generation.id)))


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


def generation_rerun(*, user, generation: Generation, key) -> Generation:
    """Start a new run with the same inputs, through the form's own path and rules."""
    from ..forms import ImageSlot, app_form
    from .apps import a1_language
    from .enhance import enhance_start
    from .library import remix_initial

    if generation.kind == Generation.Kind.ENHANCE:
        source = generation.source_result or generation.source_input
        if source is None:
            raise SubmitRefused(_("The image to enhance is no longer available."))
        return enhance_start(user=user, source=source, key=key)
    definition = app_fetch(app_id=generation.app_id, language=generation.language or a1_language())
    data = {name: str(value) for name, value in remix_initial(generation=generation).items()}
    data["idempotency_key"] = str(key)
    for image in generation.inputs.all():
        data[f"{ImageSlot.field_name(image.form_id, image.position)}_staged"] = str(image.id)
    form = app_form(definition.app)(data, user=user)
    if not form.is_valid():
        raise SubmitRefused(
            _("The app has changed since this run. Open it to check the form."), code=None
        )
    return generation_start(user=user, definition=definition, form=form)
