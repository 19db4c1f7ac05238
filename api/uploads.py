"""POST /api/v1/uploads: keep a photo (a file or a link) for the runs that follow."""

from __future__ import annotations

import functools

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import File, Form, Router, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from api.errors import ApiError
from api.schemas import UploadOut, errors
from common.image_links import fetch_image
from common.images import MAX_INPUT_BYTES, ImageRejected, normalise
from common.multipart import NamelessFiles
from generator.runs import photos

router = Router(tags=["uploads"])


def _nameless_files(view):
    """A `file` part without a file name is the file too (as `requests` sends it)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.content_type == "multipart/form-data":
            handler = NamelessFiles(file_fields=("file",), max_file_bytes=MAX_INPUT_BYTES)
            request.upload_handlers.insert(0, handler)
        return view(request, *args, **kwargs)

    return wrapper


@router.post(
    "",
    response={201: UploadOut, **errors(401, 403, 422, 429)},
    url_name="upload_create",
    summary="Upload a photo (a file or a link)",
)
@decorate_view(_nameless_files)
def upload_create(
    request: HttpRequest, file: File[UploadedFile | None] = None, image_url: Form[str] = ""
):
    """Send one image as a multipart `file`, or an http(s) link as the form field
    `image_url` (form-urlencoded, or a multipart field).

    It is checked by content and converted to what A1 accepts (the notes say how);
    a photo no run uses is removed a day later.
    """
    if (file is not None) == bool(image_url.strip()):  # a file without a name is falsy
        raise ApiError(
            422,
            "invalid",
            gettext_lazy("Send either a file or an image_url, not both or neither."),
            fields={"file": gettext_lazy("Send either a file or an image_url.")},
        )
    if file is not None:
        if (file.size or 0) > MAX_INPUT_BYTES:
            raise ImageRejected(
                gettext_lazy("The file is larger than %(limit)d MB; please choose a smaller image.")
                % {"limit": MAX_INPUT_BYTES // (1024 * 1024)}
            )
        image = normalise(file.read())
        image.original_name = (file.name or "")[-200:]
    else:
        url = image_url.strip()
        image = normalise(fetch_image(url))
        image.original_name, image.source_url = url.rsplit("/", 1)[-1][-200:], url
    kept = photos.photo_keep(user=request.user, image=image)
    return Status(201, upload_out(kept))


def upload_out(kept) -> dict:
    return {
        "id": str(kept.pk),
        "width": kept.width,
        "height": kept.height,
        "original_name": kept.original_name,
        "notes": [str(note) for note in kept.notes],
        "unused_until": kept.created + photos.STAGED_FOR,
    }
