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

CHUNK = 1024 * 1024


def zip_spool(entries: Iterable[tuple[str, FieldFile]]) -> IO[bytes]:
    """One ZIP of (name in the archive, stored file) pairs; files not kept are skipped."""
    with ExitStack() as cleanup:  # closes the file if writing fails, else hands it over
        spool = cleanup.enter_context(tempfile.TemporaryFile())
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED) as archive:
            for name, stored in entries:
                if not stored:
                    continue
                with stored.open("rb") as source, archive.open(name, "w") as target:
                    shutil.copyfileobj(source, target, CHUNK)
        spool.seek(0)
        cleanup.pop_all()
    return spool


def zip_response(spool: IO[bytes], *, filename: str) -> FileResponse:
    """A download of an open ZIP file: FileResponse streams it in chunks and closes it."""
    return FileResponse(
        spool, as_attachment=True, filename=filename, content_type="application/zip"
    )
