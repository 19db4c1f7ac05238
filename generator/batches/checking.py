"""Reading a batch's uploads in the worker: each photo checked and kept, or refused.

Uploads are stored as they come (a photo, or a ZIP of photos listed by name) so the
web request stays fast; the worker reads them a few at a time under a lease, keeps
good photos as the owner's (so nothing is ever uploaded twice) and marks bad items
with their reason.
"""

from __future__ import annotations

import contextlib
import uuid
import zipfile
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from common.images import MAX_INPUT_BYTES, ImageRejected, normalise
from common.media import StorageUnavailable
from common.tracing import traced_job
from generator.batches.inputs import Source, is_photo_name, stored_name
from generator.batches.reasons import reason_of, reason_said
from generator.errors import SubmitRefused
from generator.files.queue import files_release, files_remove_all_pending
from generator.models import Batch, BatchItem
from generator.runs.inputs import app_slots
from generator.runs.photos import photo_keep

Item = BatchItem.State
CHECK_CHUNK = 10  # photos read per job: a job stays short, so polls never queue behind it
CHECK_LEASE = timedelta(minutes=5)


def upload_keep(*, batch: Batch, name: str, content) -> list[Source]:
    """Store an upload as it came (a photo, or a ZIP of photos) for the worker to read.

    Returns one Source per photo; a ZIP is listed here (names only) and read later.
    Storage away (a full disk, S3 answering 503 or not at all): StorageUnavailable,
    with nothing of this upload left behind.
    """
    suffix = PurePosixPath(name).suffix.lower()
    target = f"{UPLOADS}{batch.pk}/{uuid.uuid4().hex}{suffix[:8]}"
    try:
        stored = default_storage.save(target, content)
    except Exception as exc:  # any storage failure: the person is told, nothing is kept
        _discard(target)
        raise StorageUnavailable(UPLOADS_NOT_KEPT) from exc
    if suffix != ".zip":
        return [Source(name=PurePosixPath(name).name, ref=stored)]
    try:
        with default_storage.open(stored, "rb") as fh, zipfile.ZipFile(fh) as archive:
            members = [
                info
                for info in archive.infolist()
                if not info.is_dir() and is_photo_name(info.filename)
            ][: settings.BATCH_MAX_ITEMS * 4]
    except (zipfile.BadZipFile, OSError):
        _discard(stored)
        raise SubmitRefused(
            _("“%(name)s” is not a ZIP file we can open.") % {"name": name}
        ) from None
    except Exception as exc:  # the storage went away between writing and reading it
        _discard(stored)
        raise StorageUnavailable(UPLOADS_NOT_KEPT) from exc
    return [
        Source(name=PurePosixPath(info.filename).name, ref=f"{stored}!{info.filename}")
        for info in members
    ]


UPLOADS = "batch-uploads/"  # where raw uploads are stored, one folder per batch
UPLOADS_NOT_KEPT = gettext_lazy(
    "Our file storage is unavailable right now, so your files were not kept and nothing "
    "was spent. Try again in a minute."
)


def _discard(name: str) -> None:
    """Remove what a failed upload may have written; never raises."""
    with contextlib.suppress(Exception):
        default_storage.delete(name)


def _read_source(ref: str) -> bytes:
    """The bytes of one uploaded photo, from the file or from inside its ZIP."""
    stored, _bang, member = ref.partition("!")
    with default_storage.open(stored, "rb") as fh:
        if not member:
            return fh.read(MAX_INPUT_BYTES + 1)
        with zipfile.ZipFile(fh) as archive:
            info = archive.getinfo(member)
            if info.file_size > MAX_INPUT_BYTES:
                return b"\0" * (MAX_INPUT_BYTES + 1)  # too large, without inflating it
            with archive.open(info) as inner:
                return inner.read(MAX_INPUT_BYTES + 1)


@task()
@traced_job
def check_batch(batch_id: str) -> None:
    """Read the next photos of a draft; queue the next chunk while any are left."""
    if batch_check_step(batch_id=batch_id):
        check_batch.enqueue(batch_id)


def batch_check_step(*, batch_id, now: datetime | None = None) -> bool:
    """Check up to CHECK_CHUNK items' photos; True while more are waiting.

    The batch's check lease keeps two workers off the same items; photos are kept as
    the person's own (InputImage) so nothing is ever uploaded twice.
    """
    now = now or timezone.now()
    lease = now + CHECK_LEASE
    claimed = (
        Batch.objects.filter(pk=batch_id)
        .filter(Q(check_claimed_until__isnull=True) | Q(check_claimed_until__lte=now))
        .update(check_claimed_until=lease)
    )
    if not claimed:
        return False
    batch = Batch.objects.select_related("user", "definition").get(pk=batch_id)
    slots = {slot.name: slot for slot in app_slots(batch.definition.app)}
    items = list(batch.items.filter(state=Item.CHECKING).order_by("index")[:CHECK_CHUNK])
    with translation.override(batch.language):
        for item in items:
            _check_item(batch, item, slots)
    uploads_release(_stored_names(item.pending for item in items))
    Batch.objects.filter(pk=batch_id, check_claimed_until=lease).update(check_claimed_until=None)
    return batch.items.filter(state=Item.CHECKING).exists()


def _check_item(batch: Batch, item: BatchItem, slots) -> None:
    reason = ""
    for slot_name, (name, ref) in item.pending.items():
        slot = slots.get(slot_name)
        if slot is None:
            reason = reason_said(gettext_noop("This app has no photo field for this file."))
            break
        try:
            image = normalise(_read_source(ref))
        except ImageRejected as exc:
            # The item is labelled with its file; a group item says which of its files.
            reason = reason_of(exc, file=name if len(item.pending) > 1 else "")
            break
        except (OSError, KeyError, zipfile.BadZipFile):
            reason = reason_said(gettext_noop("%(name)s could not be read."), {"name": name})
            break
        image.original_name = name
        photo_keep(
            user=batch.user,
            image=image,
            form_id=slot.form_id,
            position=slot.position,
            batch_item=item,
        )
    BatchItem.objects.filter(pk=item.pk, state=Item.CHECKING).update(
        state=Item.INVALID if reason else Item.READY, reason=reason[:500], pending={}
    )


# --- the raw uploads, once read -------------------------------------------------------

DRAFTS_KEPT = timedelta(days=1)


def _stored_names(pendings) -> set[str]:
    """Storage names behind items' pending photos ({slot: [name, "stored!member"]})."""
    return {
        name
        for pending in pendings
        for _name, ref in pending.values()
        if (name := stored_name(ref)) is not None
    }


def uploads_in_use() -> set[str]:
    """Raw uploads something still waits to read: items being checked, and drafts whose
    photos are kept while their texts are fixed."""
    checking = BatchItem.objects.filter(state=Item.CHECKING).values_list("pending", flat=True)
    names = _stored_names(checking)
    drafts = Batch.objects.filter(state=Batch.State.DRAFT).exclude(uploads={})
    for uploads in drafts.values_list("uploads", flat=True):
        names |= {n for pairs in uploads.values() for _n, ref in pairs if (n := stored_name(ref))}
    return names


def uploads_release(names: set[str]) -> int:
    """Delete raw uploads nothing waits on any more (through the removal queue, so a
    kill halfway leaves them queued for the next removal run)."""
    free = set(names) - uploads_in_use()
    if not free:
        return 0
    with transaction.atomic():
        files_release(free)
    return files_remove_all_pending(names=free)


def drafts_purge(*, now: datetime | None = None) -> int:
    """Drafts nobody started within a day go, with their raw uploads; their kept photos
    become plain staged photos, which the hourly purge removes in turn."""
    now = now or timezone.now()
    stale = list(Batch.objects.filter(state=Batch.State.DRAFT, created__lt=now - DRAFTS_KEPT)[:100])
    names: set[str] = set()
    for batch in stale:
        names |= _stored_names(batch.items.values_list("pending", flat=True))
        names |= {
            n for pairs in batch.uploads.values() for _n, ref in pairs if (n := stored_name(ref))
        }
    Batch.objects.filter(pk__in=[b.pk for b in stale], state=Batch.State.DRAFT).delete()
    uploads_release(names)
    return len(stale)


@task()
@traced_job
def purge_stale_drafts() -> int:
    """The hourly chore: batch drafts left for a day are removed."""
    return drafts_purge()
