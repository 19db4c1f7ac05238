"""Downloading results: our kept copies, to whoever may see the run, while it is shown
(never hidden by staff or in the trash, for staff too)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from api.schemas import errors
from common.media import stored_image
from generator.access import shown_or_404
from generator.models import ResultImage

router = Router(tags=["results"])
IMAGE = {
    "responses": {
        200: {
            "description": "The image (JPEG, PNG or WebP)",
            "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/{result_id}",
    response={**errors(401, 404, 429)},
    url_name="result_file",
    summary="Download a result",
    openapi_extra=IMAGE,
)
def result_file(request: HttpRequest, result_id: str):
    """Our copy of one result image, as a download."""
    result = shown_or_404(request.user, ResultImage, result_id)
    return stored_image(result.file, download_name=result.download_name)


@router.get(
    "/{result_id}/thumbnail",
    response={**errors(401, 404, 429)},
    url_name="result_thumbnail",
    summary="A result's thumbnail",
    openapi_extra=IMAGE,
)
def result_thumbnail(request: HttpRequest, result_id: str):
    """A small WebP of the result."""
    result = shown_or_404(request.user, ResultImage, result_id)
    return stored_image(result.thumbnail)
