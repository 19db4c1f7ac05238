"""Photos people give us: kept as soon as they arrive, attached to runs, sent to A1 once.

A photo is kept (an InputImage with our copy of the file) before anything else is
checked, so a form that is wrong elsewhere never loses it; a photo that no run ever
used is removed by the worker a day later. The person who gives a photo owns it; rows
made for a remix, a batch item or a retry refer to it (services/photo_owners.py).
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import PurePosixPath

from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from a1 import A1Error
from common.images import ImageRejected, Normalised, normalise
from common.media import file_discard, file_read, file_store, file_target
from common.tracing import traced_job
from generator.errors import SubmitRefused
from generator.files.queue import files_intend, files_kept, files_remove_all_pending
from generator.models import InputImage, ResultImage, Run
from generator.runs.inputs import ImageSlot
from generator.runs.messages import is_image_error, user_message
from generator.runs.photo_owners import photos_leaving, photos_taking
from generator.runs.removal import photos_remove
from generator.runs.upstream import a1_client

logger = logging.getLogger(__name__)

STAGED_FOR = timedelta(days=1)
PHOTO_NOT_READ = gettext_lazy(
    "Our file storage is unavailable right now, so the photo could not be sent and "
    "nothing was spent. Try again in a minute."
)
PURGE_BATCH = 500


def photo_keep(
    *,
    user,
    image: Normalised,
    form_id: str = "",
    position: int | None = None,
    batch_item=None,
) -> InputImage:
    """Store one normalised photo as the user's own, not yet part of any run: they
    gave it, so the file is theirs (every later row of it only refers to it)."""
    kept = InputImage(
        owner=user,
        given_by=user,
        batch_item=batch_item,
        form_id=form_id,
        position=position,
        original_name=image.original_name[-255:],
        source_url=image.source_url[:2000],
        width=image.width,
        height=image.height,
        byte_size=len(image.content),
        notes=image.notes,
    )
    name = f"{kept.id}{image.extension}"
    # The file is written before its row: an intent, committed first, removes it (after
    # the queue's grace, through the photo-owner rule's queue) if the row never comes.
    files_intend([file_target(field=kept.file, name=name)])
    # Storage away: StorageUnavailable, with no file and no row left behind.
    file_store(field=kept.file, name=name, content=image.content)
    try:
        kept.save()
    except Exception:
        file_discard(field=kept.file)  # no file without its row
        raise
    files_kept([kept.file.name or ""])
    return kept


def photo_from_result(*, user, result: ResultImage) -> InputImage:
    """One of our results, given again as a photo for another app ("use as input"): a
    staged photo of `user`'s, kept through `photo_keep` like any photo given in a form, so
    the rule of who owns a photo holds (the person who reuses it gave it; the purge takes
    it a day on if no run does). The caller has checked the result may leave
    (`shown_or_404`)."""
    if not result.file:
        raise SubmitRefused(_("This image was not saved, so it cannot be used again."))
    with result.file.open("rb") as fh:
        content = fh.read()
    try:
        image = normalise(content)
    except ImageRejected as exc:
        raise SubmitRefused(str(exc)) from exc
    image.original_name = f"{result.download_name}{image.extension}"
    return photo_keep(user=user, image=image)


def inputs_stage(*, user, photos: Mapping[ImageSlot, Normalised]) -> dict[str, InputImage]:
    """Keep every new photo of a form, by slot name: re-rendered forms send them by id."""
    return {
        slot.name: photo_keep(user=user, image=image, form_id=slot.form_id, position=slot.position)
        for slot, image in photos.items()
    }


def photos_attach(*, run: Run, photos: Mapping[ImageSlot, InputImage]) -> dict[str, InputImage]:
    """Make the photos the run's own rows; returns them by slot name.

    A photo that belongs to someone else (remixing a teammate's run) or to another run
    (run again, remix) gets a new row for this run pointing at the same file, so every
    run keeps its own record and the original is never moved.

    Called in the run's own transaction: the photos are read again there and locked
    (photo_owners.photos_taking), so one the purge, the trash or an erasure removed since
    the person chose it is refused beside its field, never attached to a file that is gone.
    """
    others = {image.pk for image in photos.values() if image.run_id != run.pk}
    kept = set(photos_taking(ids=others).values_list("pk", flat=True)) if others else set()
    gone = {
        slot.name: _("This photo is no longer kept: choose it again.")
        for slot, image in photos.items()
        if image.run_id != run.pk and image.pk not in kept
    }
    if gone:
        raise SubmitRefused(next(iter(gone.values())), next(iter(gone)), problems=gone)
    attached = {}
    for slot, image in photos.items():
        where = {"form_id": slot.form_id, "position": slot.position}
        if image.run_id == run.pk:
            attached[slot.name] = image
            continue
        # The user's own staged photo becomes this run's, unless another run took it
        # first (a conditional UPDATE decides); otherwise this run gets its own row.
        if image.owner_id == run.user_id and image.run_id is None:
            taken = InputImage.objects.filter(pk=image.pk, run__isnull=True).update(
                run=run, **where
            )
            if taken:
                image.run = run
                image.form_id, image.position = slot.form_id, slot.position
                attached[slot.name] = image
                continue
        attached[slot.name] = photo_copy(photo=image, owner_id=run.user_id, run=run, **where)
    return attached


def photo_copy(*, photo: InputImage, owner_id, **fields) -> InputImage:
    """A new row for the same kept file (and the same upload at A1): nothing is stored
    or uploaded again, and each run or batch item keeps a record of its own.

    The row is `owner_id`'s reference to the photo; the file stays its giver's.
    """
    return InputImage.objects.create(
        owner_id=owner_id,
        given_by_id=photo.given_by_id,
        file=photo.file.name,
        original_name=photo.original_name,
        source_url=photo.source_url,
        width=photo.width,
        height=photo.height,
        byte_size=photo.byte_size,
        notes=photo.notes,
        a1_image_url=photo.a1_image_url,
        a1_path=photo.a1_path,
        **({"form_id": photo.form_id, "position": photo.position} | fields),
    )


def photos_upload(
    *, photos: Mapping[str, InputImage], progress: Callable[[], None] | None = None
) -> None:
    """Send each photo to A1 once (A1's link and path are kept on the row).

    `progress` is called before each upload (the submission renews its lease). Raises
    SubmitRefused, with the photo's field when the photo itself is the problem, and
    StorageUnavailable when our own storage could not give the photo back.
    """
    client = a1_client()
    for name, image in photos.items():
        with _upload_lock(image):
            _upload_one(client, name, image, progress)


def _upload_lock(image: InputImage) -> threading.Lock:
    """One lock per kept file (striped): the batch pacer sends items on several threads,
    and items that share a photo must find the first one's upload, not upload it again.
    Workers of other processes may still upload a shared photo once each (harmless: an
    upload spends no points)."""
    return _UPLOAD_LOCKS[zlib.crc32((image.file.name or "").encode()) % len(_UPLOAD_LOCKS)]


_UPLOAD_LOCKS = [threading.Lock() for _ in range(64)]


def _upload_one(client, name: str, image: InputImage, progress) -> None:
    """One photo to A1, unless a row of the same kept file was sent already."""
    if not image.a1_path:
        _reuse_earlier_upload(image)
    if image.a1_path:
        return
    if progress is not None:
        progress()
    content = file_read(field=image.file, message=PHOTO_NOT_READ)
    try:
        upload = client.upload_file(content, f"photo{_suffix(image)}")
    except A1Error as exc:
        field = name if is_image_error(exc) else None
        raise SubmitRefused(user_message(exc), field, exc.code) from exc
    image.a1_image_url, image.a1_path = upload.image_url, upload.path
    image.save(update_fields=["a1_image_url", "a1_path"])


def _suffix(image: InputImage) -> str:
    """The kept file's suffix (".png", ".jpg"): A1 checks the name's suffix first."""
    return PurePosixPath(image.file.name or "").suffix.lower() or ".jpg"


def _reuse_earlier_upload(image: InputImage) -> None:
    """Another row of the same kept file (a batch's shared photo, a remix, a retry) was
    sent to A1 already: its upload serves this row too, with no second upload."""
    earlier = (
        InputImage.objects.filter(file=image.file.name)
        .exclude(a1_path="")
        .values_list("a1_image_url", "a1_path")
        .first()
    )
    if earlier is not None:
        image.a1_image_url, image.a1_path = earlier
        image.save(update_fields=["a1_image_url", "a1_path"])


def photos_purge_staged(*, now=None, limit: int = PURGE_BATCH) -> int:
    """Remove photos kept for forms that were never submitted, a day on.

    Bounded and safe to repeat: the rows the ownership rule names (photo_owners.py) go
    in one transaction that also queues the files no other row uses (a teammate's copy
    of a photo goes, the photo stays), then those files are deleted; a kill in between
    leaves the queue, which the next removal run finishes.
    """
    now = now or timezone.now()
    stale = photos_leaving(staged_before=now - STAGED_FOR)
    rows = list(stale.order_by("created").values_list("pk", "file")[:limit])
    if not rows:
        return 0
    # The rule is asked again as the rows are locked: a row a run took meanwhile stays,
    # and a row a batch is copying (locked by photo_owners.photos_taking) is skipped, not
    # waited for (SKIP LOCKED; SQLite has no row locks: its IMMEDIATE transactions wait
    # for the copy's to commit, and the file stays while the copy refers to it).
    chosen = stale.filter(pk__in=[pk for pk, _ in rows])
    removed = photos_remove(photos=chosen, now=now, limit=None, wait=False)
    files_remove_all_pending(names={name for _, name in rows})
    return removed.counts["photos"]


@task()
@traced_job
def purge_staged_photos() -> int:
    """The hourly chore: photos of forms never submitted go after a day."""
    removed = photos_purge_staged()
    if removed:
        logger.info("Removed %d photo(s) staged by forms never submitted", removed)
    return removed
