"""Stored images, served only to those allowed to see them."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from ..access import visible_or_404
from ..models import InputImage
from . import HtmxHttpRequest


@login_required
@require_GET
def input_image(request: HtmxHttpRequest, image_id):
    image = visible_or_404(request.user, InputImage, image_id)
    try:
        handle = image.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_content_type(image.file.name))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _content_type(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"
