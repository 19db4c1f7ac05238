"""Acting on many runs at once, from the history and team galleries.

Every write is one targeted UPDATE over the runs the user owns among those asked for:
ids of other people's runs, of runs already gone, or that are not ids at all are left
out rather than refused, so a page that went stale while the user was choosing still
does what it can. The ZIP is the one exception to "owned": it reads, so it takes what
the user may see (a teammate's shared runs too) and may carry away (never a run hidden
by staff or in the trash), like the one-run ZIP.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from common.zips import zip_spool
from generator.models import ResultImage, Run, Team
from generator.runs import actions

# More than a page of cards (HISTORY_PAGE_SIZE, 24) can hold; a request cannot carry
# many more anyway (DATA_UPLOAD_MAX_NUMBER_FIELDS is 200). Anything longer is crafted.
MAX_IDS = 200
# One ZIP is built in the request before it streams: 100 runs of four images is 400
# files, which still starts downloading within seconds.
ZIP_MAX_RUNS = 100


def bulk_ids(raw: Iterable[str]) -> list[uuid.UUID]:
    """The well-formed, distinct run ids among `raw`, in order; the rest are dropped."""
    ids: dict[uuid.UUID, None] = {}
    for value in raw:
        try:
            ids[uuid.UUID(str(value).strip())] = None
        except ValueError:
            continue
    return list(ids)[:MAX_IDS]


def _owned(*, user, ids: Iterable[uuid.UUID]) -> QuerySet:
    """The user's own live runs among `ids`: the only ones a bulk write may change."""
    return Run.objects.shown().filter(pk__in=list(ids), user=user)


def runs_bulk_favourite(*, user, ids: Iterable[uuid.UUID], favourite: bool) -> int:
    """Mark (or unmark) the user's own runs among `ids` as favourites; how many."""
    return actions.runs_favourite(runs=_owned(user=user, ids=ids), favourite=favourite)


def runs_bulk_share(*, user, ids: Iterable[uuid.UUID], team: Team) -> int:
    """Share the user's own runs among `ids` with `team` (one of the user's teams)."""
    if not team.memberships.filter(user=user).exists():
        return 0  # the view offers only the user's teams; a crafted one changes nothing
    return actions.runs_share(
        runs=_owned(user=user, ids=ids), visibility=Run.Visibility.TEAM, team=team
    )


def runs_bulk_private(*, user, ids: Iterable[uuid.UUID]) -> int:
    """Make the user's own runs among `ids` private."""
    return actions.runs_share(
        runs=_owned(user=user, ids=ids), visibility=Run.Visibility.PRIVATE, team=None
    )


def runs_bulk_delete(*, user, ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Move the user's own runs among `ids` to the trash; the ids that went, for Undo."""
    return actions.runs_trash(runs=_owned(user=user, ids=ids))


def runs_bulk_restore(*, user, ids: Iterable[uuid.UUID]) -> int:
    """Bring the user's runs among `ids` back out of the trash (while restorable)."""
    return actions.runs_restore(runs=Run.objects.in_trash(user).filter(pk__in=list(ids)))


class TooManyForZip(ValueError):
    """More runs were chosen than one ZIP takes (ZIP_MAX_RUNS)."""


def runs_bulk_zip(*, user, ids: Iterable[uuid.UUID]) -> tuple[str, IO[bytes], int] | None:
    """All saved results of the runs among `ids` the user may see, in one ZIP.

    Returns (file name, open temporary file at its start, runs in it) for the response
    to stream and close, or None when none of them has a saved image. Each run's files
    are named after its app and its id, so two runs of one app never collide.
    """
    ids = list(ids)
    if len(ids) > ZIP_MAX_RUNS:
        raise TooManyForZip
    # Only what may leave the portal (GenerationQuerySet.shown): staff too get no
    # hidden or trashed run in a ZIP.
    runs = Run.objects.visible_to(user).shown().filter(pk__in=ids)
    results = list(
        ResultImage.objects.filter(run__in=runs.values("pk"))
        .exclude(file="")
        .select_related("run")
        .order_by("-run__created", "run_id", "index")
    )
    if not results:
        return None
    prefixes: dict[uuid.UUID, str] = {}
    for result in results:
        run = result.run
        if run.pk not in prefixes:
            base = slugify(run.app_name) or "a1"
            prefix = f"{base}-{str(run.pk)[:8]}"
            # Eight hex digits are unique in practice; the whole id when they are not.
            if prefix in prefixes.values():
                prefix = f"{base}-{run.pk}"
            prefixes[run.pk] = prefix
    entries = (
        (
            f"{prefixes[r.run_id]}-{r.index + 1}.{(r.file.name or '').rsplit('.', 1)[-1]}",
            r.file,
        )
        for r in results
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"a1-runs-{stamp}.zip", zip_spool(entries), len(prefixes)
