"""Starting a run from plain data: hold the points, upload, send generate once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from django.utils.translation import gettext as _

from a1 import A1Error, CnetValue, Code, GenerateRequest
from common.media import StorageUnavailable
from generator.approvals.policy import approval_needed
from generator.errors import ApprovalRequired, SubmitRefused
from generator.models import AppDefinition, InputImage, Run
from generator.runs.actions import search_text_for
from generator.runs.definitions import a1_language, app_fetch, app_mark_node
from generator.runs.enhance import enhance_start
from generator.runs.holds import run_abandon
from generator.runs.inputs import (
    ImageSlot,
    RunChoices,
    app_slots,
    choices_problems,
    run_params,
)
from generator.runs.messages import user_message
from generator.runs.photos import photos_upload
from generator.runs.submission import run_open, send_once, submission_renew
from generator.runs.upstream import a1_client
from generator.teams.services import billing_team, default_sharing, teams_of

logger = logging.getLogger(__name__)


class AppUpdated(Exception):
    """A1 says the app changed (324013); the new definition is attached."""

    def __init__(self, definition: AppDefinition):
        super().__init__("app updated")
        self.definition = definition


def run_start(
    *,
    user,
    definition: AppDefinition,
    choices: RunChoices,
    photos: Mapping[str, InputImage],
    key: uuid.UUID,
    **origin,
) -> Run:
    """Start one run of an app: exactly one generate call per (user, key).

    `photos` maps the app's photo slots (by field name) to photos the user may use;
    `origin` records where the run came from (batch, API key). Returns the existing
    run when this key was already used. Raises SubmitRefused or AppUpdated when
    nothing was started (and nothing spent).
    """
    existing = Run.objects.filter(idempotency_key=key, user=user).first()
    if existing is not None:
        return existing
    app = definition.app
    if not app.generatable:
        raise SubmitRefused(
            user_message(A1Error(Code.APP_API_DISABLED)), code=Code.APP_API_DISABLED
        )
    problems = choices_problems(app, choices, set(photos))
    if problems:
        raise SubmitRefused(
            _("Some fields need your attention."), next(iter(problems)), problems=problems
        )
    team = billing_team(user=user, chosen=choices.team_id)
    visibility = choices.visibility or default_sharing(user=user)[0]
    if team is None:
        visibility = Run.Visibility.PRIVATE
    params = run_params(app, choices)
    slots = {slot.name: slot for slot in app_slots(app)}
    _approval_check(team=team, points=app.cost(choices.generate_num), batch_item=origin)
    run, created = run_open(
        user=user,
        team=team,
        key=key,
        points=app.cost(choices.generate_num),
        photos={slots[name]: image for name, image in photos.items()},
        definition=definition,
        app_id=app.id,
        app_name=app.name[:300],
        version_id=app.version_id,
        language=definition.language,
        generate_num=choices.generate_num,
        params=params,
        visibility=visibility,
        search_text=search_text_for(app_name=app.name, params=params),
        **origin,
    )
    if not created:
        return run
    attached = {ImageSlot.field_name(i.form_id, i.position): i for i in run.inputs.all()}
    try:
        photos_upload(photos=attached, progress=lambda: submission_renew(run=run))
    except (SubmitRefused, StorageUnavailable):
        run_abandon(run=run)  # nothing was sent: no row, no hold (a batch item waits again)
        raise
    request = _request_for(app, choices, slots, attached)
    Run.objects.filter(pk=run.pk).update(request_body=request.to_json())
    try:
        return send_once(run, lambda: a1_client().generate(request))
    except A1Error as exc:
        if exc.code == Code.APP_UPDATED:
            fresh = app_fetch(app_id=definition.app_id, language=definition.language, force=True)
            raise AppUpdated(fresh) from exc
        if exc.code == Code.QUANTITY_OUT_OF_RANGE and choices.generate_num > 1 and not app.is_node:
            # A1 makes one image at a time for node apps: this is one, whatever its
            # details said. Charged as one from now on; staff are told.
            app_mark_node(app_id=app.id)
            message = _(
                "A1 makes one image per run with this app, so nothing was started and "
                "no points were spent. Choose one image and start it again."
            )
            raise SubmitRefused(message, "generate_num", exc.code) from exc
        field = "generate_num" if exc.code == Code.QUANTITY_OUT_OF_RANGE else None
        raise SubmitRefused(user_message(exc), field, exc.code) from exc


def _approval_check(*, team, points: int, batch_item) -> None:
    """A run over the threshold does not start by itself (an item of an approved or
    unchecked batch does: its batch was asked about as a whole)."""
    if batch_item.get("batch_item") is not None:
        return
    threshold = approval_needed(team=team, points=points)
    if threshold is not None:
        raise ApprovalRequired(
            _(
                "This run costs %(points)d points, over the approval threshold of "
                "%(threshold)d: a manager must approve it first."
            )
            % {"points": points, "threshold": threshold},
            points=points,
            threshold=threshold,
            code=Code.APP_VIP_ONLY,
        )


def _request_for(app, choices: RunChoices, slots, photos: Mapping[str, InputImage]):
    cnet = tuple(
        CnetValue(slot.form_id, image.a1_image_url, image.a1_path, slot.position)
        for name, slot in slots.items()
        if (image := photos.get(name)) is not None
    )
    return GenerateRequest(
        app_id=app.id,
        version_id=app.version_id,
        generate_num=choices.generate_num,
        cnet=cnet,
        description=tuple(choices.filled_descriptions().items()),
        style_id=choices.style,
        size_id=choices.size,
    )


def run_rerun(*, user, run: Run, key: uuid.UUID) -> Run:
    """Start a new run with the same inputs, through the same path and rules."""
    if run.kind == Run.Kind.ENHANCE:
        source = run.source_result or run.source_input
        # The image must still be one the person may see (a teammate may have unshared
        # or deleted it since, or staff hidden it): the same rule as opening it.
        if (
            source is None
            or not type(source).objects.visible_to(user).filter(pk=source.pk).exists()
        ):
            raise SubmitRefused(_("The image to enhance is no longer available."))
        return enhance_start(user=user, source=source, key=key)
    if run.inputs_removed_at:
        raise SubmitRefused(
            _("The photos of this run are no longer kept. Remix it and give them again.")
        )
    definition = app_fetch(app_id=run.app_id, language=run.language or a1_language())
    still_in_team = run.team_id is not None and teams_of(user=user).filter(pk=run.team_id).exists()
    choices = RunChoices.from_params(
        run.params or {},
        team_id=run.team_id if still_in_team else None,
        visibility=run.visibility,
    )
    photos = {ImageSlot.field_name(i.form_id, i.position): i for i in run.inputs.all()}
    if choices_problems(definition.app, choices, set(photos)):
        raise SubmitRefused(_("The app has changed since this run. Open it to check the form."))
    return run_start(user=user, definition=definition, choices=choices, photos=photos, key=key)
