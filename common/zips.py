"""ZIP archives of stored files, written to a temporary file and streamed from it.

Memory stays flat whatever the size: each file is copied in chunks into an unnamed
temporary file, which is handed over open, at its start, for FileResponse to stream
and close (it vanishes from disk when closed).
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from contextlib import ExitStack
from typing import IO

from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils import timezone

CHUNK = 1024 * 1024


def zip_spool(entries: Iterable[tuple[str, FieldFile]]) -> IO[bytes]:
    """One ZIP of (name in the archive, stored file) pairs; files not kept are skipped."""
    with ExitStack() as cleanup:  # closes the file if writing fails, else hands it over
        spool = cleanup.enter_context(tempfile.TemporaryFile())
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
            for name, stored in entries:
                if not stored:
                    continue
                entry = zipfile.ZipInfo(name, date_time=_dated(stored))
                with stored.open("rb") as source, archive.open(entry, "w") as target:
                    shutil.copyfileobj(source, target, CHUNK)
        spool.seek(0)
        cleanup.pop_all()
    return spool


def _dated(stored: FieldFile) -> tuple[int, int, int, int, int, int]:
    """An entry's date: when the row that holds the file was saved (`copied_at` for a
    result, else `created`), in the reader's time zone; never ZIP's default of 1980."""
    row = getattr(stored, "instance", None)
    when = getattr(row, "copied_at", None) or getattr(row, "created", None) or timezone.now()
    local = timezone.localtime(when) if timezone.is_aware(when) else when
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def zip_response(spool: IO[bytes], *, filename: str) -> FileResponse:
    """A download of an open ZIP file: FileResponse streams it in chunks and closes it."""
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type="application/zip"
    )
