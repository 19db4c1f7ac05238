"""Does storage match the database? Files no row points at, rows whose file is gone."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils import timezone

from generator.batches.checking import uploads_in_use
from generator.files.queue import file_fields, files_release, files_remove_all_pending
from generator.models import FileRemoval

# A file younger than this may be one the worker is saving right now (the file is
# written before its row): `--remove-orphans` leaves it alone.
ORPHAN_GRACE = timedelta(hours=1)


@dataclass
class StorageReport:
    files: int = 0
    orphans: list[str] = field(default_factory=list)  # stored, no row
    missing: list[tuple[str, str, str, str]] = field(default_factory=list)  # row, no file
    queued: int = 0  # rows gone, file waiting for the next removal run

    @property
    def clean(self) -> bool:
        return not self.orphans and not self.missing


def stored_names(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file in the storage, through the storage API (local folder or S3 alike)."""
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(path, name) if path else name
    for folder in folders:
        yield from stored_names(storage, posixpath.join(path, folder) if path else folder)


def storage_audit(*, storage: Storage = default_storage) -> StorageReport:
    report = StorageReport()
    stored = set(stored_names(storage))
    report.files = len(stored)
    referenced: set[str] = set()
    for model, name in file_fields():
        rows = model._default_manager.exclude(**{name: ""}).order_by().values_list("pk", name)
        for pk, value in rows.iterator(chunk_size=2000):
            referenced.add(value)
            if value not in stored:
                report.missing.append((model._meta.label, str(pk), name, value))
    referenced |= uploads_in_use()  # a batch's uploads waiting to be read
    queued = set(FileRemoval.objects.values_list("name", flat=True))
    report.queued = len(queued & stored)
    report.orphans = sorted(stored - referenced - queued)
    report.missing.sort()
    return report


def orphans_remove(*, names: list[str], now: datetime | None = None) -> int:
    """Delete orphan files older than ORPHAN_GRACE (through the removal queue)."""
    now = now or timezone.now()
    old = [n for n in names if default_storage.get_modified_time(n) < now - ORPHAN_GRACE]
    with transaction.atomic():
        files_release(old)
    return files_remove_all_pending(names=old)
