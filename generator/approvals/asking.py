"""A single run over the threshold asks for approval as a batch of one: the same
request, hold, notice and answer as any batch (`batch_create`, then `batch_start`, which
calls `spend_check` and `ledger_hold` and opens the request), so there is one waiting
path to follow, audit and expire. Approved, its one item is sent as a normal run."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from generator.batches.models import Batch
from generator.batches.services import ItemSpec, batch_create, batch_start
from generator.runs.inputs import RunChoices
from generator.runs.models import AppDefinition, InputImage


def run_ask_approval(
    *,
    user,
    definition: AppDefinition,
    choices: RunChoices,
    photos: Mapping[str, InputImage],
    key: uuid.UUID,
    **origin,
) -> Batch:
    """The run as a batch of one, held and awaiting approval (the same key: the same
    request, however often it is sent)."""
    batch, _created = batch_create(
        user=user,
        definition=definition,
        choices=choices,
        items=[ItemSpec(label=definition.app.name[:200], photos=photos)],
        key=key,
        **origin,
    )
    return batch_start(batch=batch, api_key=origin.get("api_key"))
