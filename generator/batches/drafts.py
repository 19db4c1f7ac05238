"""Adding items to a draft batch: the planned items written, their staged photos (shared
from a phone or another run) copied onto them under lock, the rest left for the worker
to check (checking.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from generator.batches.checking import check_batch
from generator.batches.inputs import ItemPlan, staged_id
from generator.errors import SubmitRefused
from generator.models import Batch, BatchItem, InputImage
from generator.runs.inputs import app_slots
from generator.runs.photo_owners import photos_taking
from generator.runs.photos import photo_copy

Item = BatchItem.State


def batch_add_items(*, batch: Batch, plans: list[ItemPlan]) -> int:
    """Add planned items to a draft; their photos are read by the worker next."""
    start = batch.items.count()
    if start + len(plans) > settings.BATCH_MAX_ITEMS:
        raise SubmitRefused(
            _("A batch holds at most %(max)d items; this one would have %(n)d.")
            % {"max": settings.BATCH_MAX_ITEMS, "n": start + len(plans)}
        )
    with transaction.atomic():
        # The staged photos are looked at (and locked) in the transaction that copies
        # them: the hourly purge cannot delete one between the look and the copy.
        kept = _staged_photos(batch, plans)
        items = _items_planned(batch, plans, start=start, kept=kept)
        BatchItem.objects.bulk_create(items)
        slots = {slot.name: slot for slot in app_slots(batch.definition.app)}
        for item, plan in zip(items, plans, strict=True):
            if item.state == Item.INVALID:
                continue
            for slot_name, src in plan.photos.items():
                pk = staged_id(src.ref)
                if pk is not None:
                    photo_copy(
                        photo=kept[pk],
                        owner_id=batch.user_id,
                        batch_item=item,
                        form_id=slots[slot_name].form_id,
                        position=slots[slot_name].position,
                    )
    if any(item.state == Item.CHECKING for item in items):
        check_batch.enqueue(str(batch.pk))
    return len(items)


def _items_planned(
    batch: Batch, plans: list[ItemPlan], *, start: int, kept: dict[str, InputImage]
) -> list[BatchItem]:
    """The draft's new items, unsaved: an item whose staged photo is no longer kept says
    so (invalid)."""
    items = []
    for n, plan in enumerate(plans):
        pending = {
            slot: [src.name, src.ref] for slot, src in plan.photos.items() if not staged_id(src.ref)
        }
        gone = [
            src.name
            for src in plan.photos.values()
            if (pk := staged_id(src.ref)) and pk not in kept
        ]
        reason = plan.reason or (
            _("%(name)s is no longer kept: share it again.") % {"name": gone[0]} if gone else ""
        )
        items.append(
            BatchItem(
                batch=batch,
                index=start + n,
                label=plan.label[:255],
                descriptions=plan.descriptions,
                # Only items to check keep their uploads' names; a bad one's are not read.
                pending=pending if not reason else {},
                state=Item.INVALID if reason else Item.CHECKING if pending else Item.READY,
                reason=reason[:500],
                points=batch.points_per_item,
            )
        )
    return items


def _staged_photos(batch: Batch, plans: list[ItemPlan]) -> dict[str, InputImage]:
    """The staged photos the plans name that are still the batch owner's and unused,
    locked until the caller's transaction (the copy's) ends (photo_owners.photos_taking)."""
    ids = {pk for plan in plans for src in plan.photos.values() if (pk := staged_id(src.ref))}
    if not ids:
        return {}
    found = photos_taking(ids=ids).filter(
        owner_id=batch.user_id, run__isnull=True, batch_item__isnull=True
    )
    return {str(photo.pk): photo for photo in found}
