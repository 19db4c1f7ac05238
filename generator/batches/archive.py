"""A finished batch's results in one ZIP, named after the inputs (the page and the API)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import IO

from django.utils.text import slugify

from common.zips import zip_spool
from generator.models import Batch, Run


def batch_zip(*, batch: Batch) -> tuple[str, IO[bytes]]:
    """Every saved result in one ZIP named after its input: (file name, open temporary
    file) for the response to stream and close; memory stays flat however large.

    Only the runs that may leave the portal (RunQuerySet.shown): none hidden by
    staff or in its owner's trash, whoever downloads it (the page and the API alike)."""
    items = (
        batch.items.filter(run__in=Run.objects.shown())
        .select_related("run")
        .prefetch_related("run__results")
        .order_by("index")
    )

    def entries():
        seen: set[str] = set()
        for item in items:
            stem = slugify(PurePosixPath(item.label).stem) or f"item-{item.index + 1}"
            assert item.run is not None  # only items with a shown run were read
            for result in item.run.results.all():
                if not result.file:
                    continue
                suffix = (result.file.name or "").rsplit(".", 1)[-1]
                name = f"{stem}-{result.index + 1}.{suffix}"
                if name in seen:
                    name = f"{stem}-{item.index + 1}-{result.index + 1}.{suffix}"
                seen.add(name)
                yield name, result.file

    base = slugify(batch.app_name) or "batch"
    return f"{base}-{str(batch.pk)[:8]}.zip", zip_spool(entries())
