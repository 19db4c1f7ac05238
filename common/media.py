"""Serving a stored image: from local disk with its own headers, or by a signed link
to object storage. Callers check access first; this only hands the bytes out."""

from __future__ import annotations

import contextlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy

from common import metrics

logger = logging.getLogger(__name__)

STORAGE_DOWN = gettext_lazy(
    "Our file storage is unavailable right now, so the photo was not kept and nothing "
    "was spent. Try again in a minute."
)


class StorageUnavailable(Exception):
    """Our own storage (a local disk, S3) refused a write: full, missing, read-only or
    not answering. Nothing of the write is left behind; `message` is for the person."""

    def __init__(self, message=STORAGE_DOWN):
        super().__init__(str(message))
        self.message = message


class FileGone(StorageUnavailable):
    """The file a row names is not in storage (removed since the row was read)."""


def file_read(*, field, message=STORAGE_DOWN) -> bytes:
    """The bytes of a FileField's file. FileGone when storage has no such file, else
    StorageUnavailable (with `message`, for the person) on any failure of the storage."""
    try:
        with field.open("rb") as fh:
            return fh.read()
    except FileNotFoundError as exc:
        raise FileGone(message) from exc
    except Exception as exc:  # our storage (S3 answering 503, a disk away): not A1
        raise StorageUnavailable(message) from exc


def file_target(*, field, name: str) -> str:
    """The storage name `file_store(field=field, name=name, ...)` will write."""
    return field.field.generate_filename(field.instance, name)


def file_store(*, field, name: str, content: bytes) -> None:
    """Write `content` into a FileField (its row is not saved). On any failure of the
    storage, a piece it may have written (a disk that filled mid-write) is removed, the
    field is left empty, and StorageUnavailable is raised. Names are unique per row, so
    the piece is ours; a storage that is wholly away keeps nothing to remove."""
    target = file_target(field=field, name=name)
    try:
        field.save(name, ContentFile(content), save=False)
    except Exception as exc:  # any storage failure: a full disk, a 503, a dropped link
        metrics.storage_errors.labels("write").inc()
        logger.warning("Storage refused a write (%s: %s)", type(exc).__name__, exc)
        if isinstance(field.storage, FileSystemStorage):
            # A disk can keep half a file. An object store keeps all or nothing, and
            # asking it again while it stalls would double the person's wait; a PUT whose
            # answer was lost is the caller's intent's to remove (generator/files/queue.py).
            with contextlib.suppress(Exception):
                field.storage.delete(target)
        field.name = None
        raise StorageUnavailable from exc


def file_discard(*, field) -> None:
    """Remove the file a FileField names, if storage will; never raises."""
    name = field.name
    if name:
        with contextlib.suppress(Exception):
            field.storage.delete(name)


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
