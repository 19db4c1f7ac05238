"""Enhance ("optimize", 3 points): sharpen and enlarge one of our images."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..a1 import A1Error
from ..images import ImageRejected, normalise
from ..messages import user_message
from ..models import Generation, InputImage, ResultImage
from .apps import a1_client
from .budgets import budget_check
from .errors import SubmitRefused
from .generations import send_once
from .teams import billing_team

ENHANCE_POINTS = 3


def enhance_start(*, user, source: ResultImage | InputImage, key: uuid.UUID) -> Generation:
    """Send one of our images to optimize, exactly once per idempotency key."""
    existing = Generation.objects.filter(idempotency_key=key, user=user).first()
    if existing is not None:
        return existing
    team = billing_team(user=user)
    budget_check(user=user, team=team, points=ENHANCE_POINTS)
    notes: list[str] = []
    if (
        isinstance(source, InputImage)
        and source.a1_path
        and max(source.width, source.height) <= 2048
    ):
        # Already on A1 and within its limit: no second upload.
        path, image_url = source.a1_path, source.a1_image_url
    else:
        path, image_url, notes = _upload(source)
    is_result = isinstance(source, ResultImage)
    if not is_result:
        notes = [*source.notes, *notes]  # what was done when the photo was first taken in
    origin = source.generation
    try:
        with transaction.atomic():
            generation = Generation.objects.create(
                user=user,
                kind=Generation.Kind.ENHANCE,
                app_id=origin.app_id if origin else "",
                app_name=origin.app_name if origin else "",
                idempotency_key=key,
                team=team,
                search_text=" ".join(
                    filter(None, [_("Enhance"), origin.app_name if origin else ""])
                ),
                points_quoted=ENHANCE_POINTS,
                params={"notes": notes},
                request_body={"path": path, "imageUrl": image_url},
                source_result=source if is_result else None,
                source_input=None if is_result else source,
                state=Generation.State.SUBMITTING,
            )
    except IntegrityError:
        return Generation.objects.get(idempotency_key=key, user=user)
    try:
        return send_once(generation, lambda: a1_client().optimize(path=path, image_url=image_url))
    except A1Error as exc:
        raise SubmitRefused(user_message(exc), code=exc.code) from exc


def _upload(source: ResultImage | InputImage) -> tuple[str, str, list[str]]:
    if not source.file:
        raise SubmitRefused(_("This image was not saved, so it cannot be enhanced."))
    with source.file.open("rb") as fh:
        content = fh.read()
    try:
        image = normalise(content)  # A1 enhances at most 2048x2048: larger ones are scaled
    except ImageRejected as exc:
        raise SubmitRefused(str(exc)) from exc
    try:
        upload = a1_client().upload_file(image.content, f"enhance{image.extension}")
    except A1Error as exc:
        raise SubmitRefused(user_message(exc), code=exc.code) from exc
    return upload.path, upload.image_url, image.notes
