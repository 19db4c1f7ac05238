"""Releasing a run that never reached A1: its points are held by its row, so the row goes.

Used when A1 definitely refused the call (nothing spent) and by the sweep when the
process that was submitting died before sending anything. Its photos stay kept (for the
form to show again, or for the batch item to send again) and a batch item waits again.
"""

from __future__ import annotations

from django.db import transaction

from ..models import BatchItem, Generation, InputImage


def run_abandon(*, generation: Generation) -> bool:
    """Delete a SUBMITTING run whose call was never sent; False if it moved on meanwhile."""
    with transaction.atomic():
        still_unsent = Generation.objects.filter(
            pk=generation.pk, state=Generation.State.SUBMITTING
        ).select_for_update()
        if not still_unsent.exists():
            return False
        InputImage.objects.filter(generation=generation).update(generation=None)
        BatchItem.objects.filter(generation=generation).update(
            state=BatchItem.State.WAITING, generation=None, claimed_until=None
        )
        # A fresh queryset: the lock is held already, and the delete reads its owners.
        Generation.objects.filter(pk=generation.pk).delete()
    return True
