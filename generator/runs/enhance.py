"""Enhance ("optimize", 3 points): sharpen and enlarge one of our images.

An enhancement is paid work like a run, so it answers to the same approval threshold
(`approvals.policy.approval_needed`, the rule runs and batches ask): quoted over it, it
does not start. Unlike a run it cannot wait for a manager as a batch of one (a batch's
items are app runs), and one enhancement is a single 3-point call, so over a threshold
below 3 points it is refused before anything is held or sent, saying so and what a
manager can do: the threshold is never passed without a manager's say.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext as _

from a1 import A1Error, Code
from common.images import ImageRejected, normalise
from common.media import FileGone, StorageUnavailable, file_read
from generator.approvals.policy import approval_needed
from generator.errors import ApprovalRequired, SubmitRefused
from generator.models import InputImage, ResultImage, Run
from generator.runs.holds import run_abandon
from generator.runs.messages import user_message
from generator.runs.photos import PHOTO_NOT_READ
from generator.runs.submission import run_open, send_once
from generator.runs.upstream import a1_client
from generator.teams.services import billing_team

ENHANCE_POINTS = 3


def enhance_start(*, user, source: ResultImage | InputImage, key: uuid.UUID, **origin) -> Run:
    """Send one of our images to optimize, exactly once per (user, key).

    The points are held (the run's row, in the budgets' transaction) before the image
    is uploaded; a refusal at any step releases them.
    """
    existing = Run.objects.filter(idempotency_key=key, user=user).first()
    if existing is not None:
        return existing
    if not source.file:
        raise SubmitRefused(_("This image was not saved, so it cannot be enhanced."))
    team = billing_team(user=user)
    _approval_check(team=team)
    is_result = isinstance(source, ResultImage)
    origin_run = source.run
    run, created = run_open(
        user=user,
        team=team,
        key=key,
        points=ENHANCE_POINTS,
        kind=Run.Kind.ENHANCE,
        app_id=origin_run.app_id if origin_run else "",
        app_name=origin_run.app_name if origin_run else "",
        search_text=" ".join(
            filter(None, [_("Enhance"), origin_run.app_name if origin_run else ""])
        ),
        source_result=source if is_result else None,
        source_input=None if is_result else source,
        **origin,
    )
    if not created:
        return run
    try:
        path, image_url, notes = _upload_for(source)
    except SubmitRefused:
        run_abandon(run=run)
        raise
    if isinstance(source, InputImage):
        notes = [*source.notes, *notes]  # what was done when the photo was first taken in
    Run.objects.filter(pk=run.pk).update(
        params={"notes": notes}, request_body={"path": path, "imageUrl": image_url}
    )
    try:
        return send_once(run, lambda: a1_client().optimize(path=path, image_url=image_url))
    except A1Error as exc:
        raise SubmitRefused(user_message(exc), code=exc.code) from exc


def _approval_check(*, team) -> None:
    """Over the threshold that applies, an enhancement does not start (see above)."""
    threshold = approval_needed(team=team, points=ENHANCE_POINTS)
    if threshold is None:
        return
    raise ApprovalRequired(
        _(
            "Enhancing costs %(points)d points, over the approval threshold of "
            "%(threshold)d, and an enhancement cannot wait for approval: nothing was "
            "spent. A manager of the team can raise the threshold to %(points)d or more."
        )
        % {"points": ENHANCE_POINTS, "threshold": threshold},
        points=ENHANCE_POINTS,
        threshold=threshold,
        code=Code.APP_VIP_ONLY,
    )


def _upload_for(source: ResultImage | InputImage) -> tuple[str, str, list[str]]:
    """A1's path and link for the image: reused when already there, else uploaded."""
    if (
        isinstance(source, InputImage)
        and source.a1_path
        and max(source.width, source.height) <= 2048
    ):
        return source.a1_path, source.a1_image_url, []
    return _upload(source)


def _upload(source: ResultImage | InputImage) -> tuple[str, str, list[str]]:
    try:
        content = file_read(field=source.file, message=PHOTO_NOT_READ)
    except FileGone as exc:  # removed since it was chosen (a purge, an erasure)
        raise SubmitRefused(_("This image is no longer kept, so it cannot be enhanced.")) from exc
    except StorageUnavailable as exc:
        raise SubmitRefused(str(exc.message)) from exc
    try:
        image = normalise(content)  # A1 enhances at most 2048x2048: larger ones are scaled
    except ImageRejected as exc:
        raise SubmitRefused(str(exc)) from exc
    try:
        upload = a1_client().upload_file(
            image.content, f"enhance{image.extension}", image.content_type
        )
    except A1Error as exc:
        raise SubmitRefused(user_message(exc), code=exc.code) from exc
    return upload.path, upload.image_url, image.notes
