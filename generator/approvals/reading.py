"""What a manager reads before answering: the quote, who asked, the shared choices
(texts, style, size) and each item's photos and texts."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from generator.approvals.models import Approval
from generator.batches.models import BatchItem
from generator.batches.pacing import batch_choices
from generator.runs.inputs import run_params
from generator.runs.models import InputImage

ITEMS_SHOWN = 60


@dataclass
class Request:
    approval: Approval
    params: dict  # description (the shared texts), style, size, generate_num, as run_params
    items: list[BatchItem]  # the first ITEMS_SHOWN, with their photos
    item_count: int
    # False for a request made before requests recorded their items (migration 0034):
    # which items it asked about is not known, and the page says so.
    items_known: bool = True


def approval_read(*, approval: Approval) -> Request:
    """Exactly the items it asked about (a retry's new items; a new batch's started ones),
    whose points are the quote. A request from before they were recorded lists none: no
    row says which items it held (a batch's retries before 0034 could leave two requests
    holding waiting items at once), so its page says they are not known rather than
    guess; its quote's count is its points over the points per item."""
    batch = approval.batch
    params = run_params(batch.definition.app, batch_choices(batch, {}))
    items = BatchItem.objects.filter(approvals=approval)
    count = items.count()
    if not count:
        per = batch.points_per_item
        return Request(approval, params, [], approval.points // per if per else 0, False)
    shown = list(
        items.order_by("index").prefetch_related(
            Prefetch("photos", queryset=InputImage.objects.order_by("form_id", "position"))
        )[:ITEMS_SHOWN]
    )
    return Request(approval, params, shown, count)


def approval_photo(*, approval: Approval, photo_id) -> InputImage | None:
    """A photo of one of the request's items (for its thumbnail), else None."""
    return InputImage.objects.filter(pk=photo_id, batch_item__batch=approval.batch_id).first()
