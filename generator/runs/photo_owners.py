"""Who owns a photo: decided once, here, for every path that removes photos.

The rule (stated on `InputImage` too): a kept photo file belongs to the person who gave
it, `InputImage.given_by`, set by `photos.photo_keep`. A remix, a batch item or a retry
that reuses the file gets a row of its own (`photos.photo_copy`) carrying the same
giver: a reference, not ownership. So:
- a run, or a staged photo past its day, takes only its own rows when it goes;
- erasing a person takes every row of the files they gave (the copies others made of
  them too: those runs then say their photos were removed) and the rows of theirs that
  refer to what others gave, and nothing else;
- a file is deleted only when no row refers to it any more (`generator.files.queue.files_release`).

`photos_leaving` is the owner of the rule: every path that deletes photo rows asks it
which rows go and deletes them through `removal.photos_remove` or `removal.runs_remove`
(erasure, retention, the trash purge and every run removal, the hourly purge of staged
photos). Paths that only let go of rows leave them to that purge: an item dropped from a
batch draft, a draft left for a day, a run abandoned before A1 saw it (their rows become
staged photos). Raw batch uploads are not photos yet; they go through `files_release`.

A path that copies photo rows onto batch items (`photos.photo_copy`) takes them through
`photos_taking`, in the transaction that writes the copies: the rows stay locked until
it commits, and the removal skips locked rows, so a photo is never deleted under a
batch that is taking it (the purge sees the copy once it commits, and the file stays).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.transaction import TransactionManagementError

from generator.models import InputImage


def photos_leaving(
    *,
    person=None,
    runs: Iterable | QuerySet | None = None,
    staged_before: datetime | None = None,
) -> QuerySet[InputImage]:
    """The photo rows that go: when `person` is erased, when `runs` (ids or a queryset)
    are removed, or, for the hourly purge, photos staged before `staged_before` that no
    run and no batch item took. Name exactly one."""
    if sum(arg is not None for arg in (person, runs, staged_before)) != 1:
        raise TypeError("photos_leaving takes exactly one of person, runs, staged_before")
    if person is not None:
        return InputImage.objects.filter(Q(given_by=person) | Q(owner=person))
    if runs is not None:
        return InputImage.objects.filter(run__in=runs)
    return InputImage.objects.filter(
        run__isnull=True, batch_item__isnull=True, created__lt=staged_before
    )


def photos_given(*, person) -> int:
    """How many photos the person gave (files, however many rows refer to each): what
    erasing them takes out of storage."""
    given = InputImage.objects.filter(given_by=person).exclude(file="")
    return given.order_by().values("file").distinct().count()


def photos_taking(*, ids: Iterable) -> QuerySet[InputImage]:
    """The photo rows named by `ids` that are still kept, locked until the caller's
    transaction ends: read them here, in the transaction that copies them onto batch
    items, never before it. `photos_leaving`'s rows are deleted by `removal.photos_remove`,
    which skips locked rows (SKIP LOCKED), so a photo being taken stays; one the purge
    deleted first is not found here (its copy is never made).

    On SQLite, which locks no rows, the caller's transaction is IMMEDIATE: it keeps every
    other writer out while it runs, the purge included, so reading and copying in one
    transaction is the whole of it."""
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "photos_taking locks rows: call it in the copy's transaction"
        )
    # In one order, so two copies of the same photos (two batches) never deadlock.
    rows = InputImage.objects.select_for_update(of=("self",)).filter(pk__in=list(ids))
    return rows.order_by("pk")
