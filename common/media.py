"""Serving a stored image: from local disk with its own headers, or by a signed link
to object storage. Callers check access first; this only hands the bytes out."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponseRedirect

CONTENT_TYPES = {".png": "image/png", ".webp": "image/webp", ".jpg": "image/jpeg"}


def stored_image(field, *, download_name: str = ""):
    """A stored photo or result as a response: the one way their bytes leave the portal
    (pages, the REST API and the gateway's signed links all come through here, each
    after its own access check). `download_name`: offered as a download, so named."""
    if not field:
        raise Http404
    suffix = "." + field.name.rsplit(".", 1)[-1].lower()
    if not isinstance(field.storage, FileSystemStorage):
        # Object storage: the access check above is ours, the bytes come from a signed
        # link that works for S3_LINK_SECONDS. A download asks S3 to name the file.
        parameters = {}
        if download_name:
            parameters["ResponseContentDisposition"] = (
                f'attachment; filename="{download_name}{suffix}"'
            )
        redirect = HttpResponseRedirect(field.storage.url(field.name, parameters=parameters))
        redirect["Cache-Control"] = "private, no-store"
        return redirect
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=CONTENT_TYPES.get(suffix, "image/jpeg"),
        as_attachment=bool(download_name),
        filename=f"{download_name}{suffix}" if download_name else "",
    )
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
