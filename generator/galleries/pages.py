"""Gallery pages at any size: keyset pages, and the cards that changed since a look.

A page is read by position in the (created, id) order rather than by number: its cost
does not grow with history, and its links stay right while new runs arrive on top.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.tasks import task
from django.utils import timezone

from common.tracing import traced_job
from generator.galleries.models import EVERYONE, user_scope
from generator.models import (
    Approval,
    BalanceAlert,
    Batch,
    GalleryStamp,
    Membership,
    Run,
    SpendAlert,
)

# Cards of these states change on their own (the worker moves them on): the gallery
# asks for them again every few seconds until none is left.
RUNS_MOVING = frozenset({Run.State.SUBMITTING, *Run.IN_FLIGHT})
BATCHES_MOVING = frozenset({Batch.State.RUNNING})

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

# What a gallery shows one card for: a single run, or a batch.
type Card = Run | Batch


@dataclass(frozen=True)
class Cursor:
    """A place in the newest-first order: the (created, id) of a card."""

    created: datetime
    pk: uuid.UUID

    def __str__(self) -> str:
        # Whole microseconds, not float seconds: the cursor must name the exact row.
        return f"{(self.created - EPOCH) // MICROSECOND}.{self.pk.hex}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """None for anything that is not a cursor: such a link opens the newest page."""
        micros, _dot, pk = (text or "").partition(".")
        try:
            created = EPOCH + int(micros) * MICROSECOND
            return cls(created=created, pk=uuid.UUID(hex=pk))
        except (ValueError, OverflowError, OSError):
            return None

    @classmethod
    def of(cls, card) -> Cursor:
        return cls(created=card.created, pk=card.pk)


@dataclass(frozen=True)
class TokenSource:
    """A part of the site outside the core that a kept page shows (a banner): one more
    `SELECT name, token ...` joined to the page's token query, and its parameters for a
    viewer at a moment. Apps above the core register theirs when they load
    (lifecycle's export notice), so the core never imports them."""

    sql: Callable[[], str]
    params: Callable[[int, object], list]


page_token_sources: list[TokenSource] = []


def page_tokens(*, user) -> str:
    """The tokens (`page_tokens_read`) as one text, for a kept page's key."""
    return page_tokens_text(page_tokens_read(user=user))


def page_tokens_text(tokens: dict[str, str]) -> str:
    return ";".join(sorted(f"{scope}={token}" for scope, token in tokens.items()))


# What a banner's token says when there is nothing to show: no row for the balance
# alert and the export notice, none counted for approvals and spending alerts.
NOTHING_TO_SHOW = {"alert": None, "export": None, "approvals": "0.0", "spend": "0.0"}


def banner_empty(tokens: dict[str, str] | None, banner: str) -> bool:
    """Whether a page's tokens, read for its key, already say that `banner` has nothing to
    show: the banner's own query is then spared (a page built after a change asks four
    fewer questions). False when the tokens were not read or say there may be."""
    return tokens is not None and tokens.get(banner) == NOTHING_TO_SHOW[banner]


def page_tokens_read(*, user) -> dict[str, str]:
    """Everything a kept gallery page of `user` depends on beyond its address: the
    stamps of the person, their teams and everyone, the balance alert, the requests for
    approval still waiting (their banner), the spending alerts (theirs), and what the
    registered token sources add (a data export ready to download, say).

    One plain SQL query: this runs on every gallery request, where building the same
    UNION with the ORM cost more than the rest of a kept page together.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [EVERYONE, user_scope(user.pk), user.pk]
    sql = _tokens_sql()
    for source in page_token_sources:
        sql += " UNION ALL " + source.sql()
        params += source.params(user.pk, now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {scope: token for scope, token in rows}


@functools.cache
def _tokens_sql() -> str:
    stamp, member = GalleryStamp._meta.db_table, Membership._meta.db_table
    alert = BalanceAlert._meta.db_table
    approval = Approval._meta.db_table
    spend = SpendAlert._meta.db_table
    # Table names come from the models; every value is a parameter (or a fixed word).
    return f"""
        SELECT scope, CAST(COUNT(*) AS TEXT) || '.' || CAST(MAX(id) AS TEXT) FROM {stamp}
            WHERE scope IN (%s, %s) GROUP BY scope
        UNION ALL
        SELECT scope, CAST(COUNT(*) AS TEXT) || '.' || CAST(MAX(id) AS TEXT) FROM {stamp}
            WHERE scope IN (SELECT 't:' || CAST(team_id AS TEXT) FROM {member} WHERE user_id = %s)
            GROUP BY scope
        UNION ALL
        SELECT 'alert', CAST(id AS TEXT) FROM {alert} WHERE active
        UNION ALL
        SELECT 'approvals', CAST(COUNT(*) AS TEXT) || '.' || CAST(COALESCE(MAX(id), 0) AS TEXT)
            FROM {approval} WHERE state = 'pending'
        UNION ALL
        SELECT 'spend', CAST(COUNT(*) AS TEXT) || '.' || CAST(COALESCE(MAX(id), 0) AS TEXT)
            FROM {spend}
    """  # noqa: S608


# Stamp rows older than this (and not their scope's newest) are pruned: far longer than
# any transaction, and than a kept page lives.
STAMP_ROWS_KEPT = timedelta(minutes=30)


@task()
@traced_job
def prune_gallery_stamps() -> int:
    """The chore every five minutes."""
    return gallery_stamps_prune()


def gallery_stamps_prune(*, now=None) -> int:
    """Old stamp rows that are no scope's newest, so that counting a scope's rows on
    every gallery request stays cheap; how many went."""
    before, removed = (now or timezone.now()) - STAMP_ROWS_KEPT, 0
    while pruned := GalleryStamp.objects.prune(before=before):
        removed += pruned
    return removed


@dataclass
class Page:
    """One page of cards, with where the pages before and after it start."""

    cards: list
    newer: Cursor | None = None  # link: ?after=<newer>
    older: Cursor | None = None  # link: ?before=<older>
    moving: list = field(default_factory=list)

    @property
    def first(self) -> bool:
        return self.newer is None


def _sort_key(card) -> tuple:
    return (card.created, card.pk.hex)


def _older_than(qs: QuerySet, cursor: Cursor) -> QuerySet:
    # The plain `created <= c` lets the database walk its (…, created) index from c down.
    return qs.filter(
        Q(created__lt=cursor.created) | Q(created=cursor.created, pk__lt=cursor.pk),
        created__lte=cursor.created,
    )


def _newer_than(qs: QuerySet, cursor: Cursor) -> QuerySet:
    return qs.filter(
        Q(created__gt=cursor.created) | Q(created=cursor.created, pk__gt=cursor.pk),
        created__gte=cursor.created,
    )


def page_read(
    *, sources: list[QuerySet], size: int, before: str | None = None, after: str | None = None
) -> Page:
    """A page of `size` cards, newest first, merged from `sources` (each ordered by its
    own index: one query per source, whatever the number of rows behind them)."""
    older_cursor, newer_cursor = Cursor.parse(before), Cursor.parse(after)
    if newer_cursor is not None:
        found: list[Card] = []
        for qs in sources:
            part = _newer_than(qs, newer_cursor).order_by("created", "pk")[: size + 1]
            found.extend(part)
        found.sort(key=_sort_key)
        if len(found) >= size:  # else a full first page serves better than a short one
            more_above = len(found) > size
            cards = sorted(found[:size], key=_sort_key, reverse=True)
            return _page(cards, newer=Cursor.of(cards[0]) if more_above else None, older=True)
    found = []
    for qs in sources:
        part = qs if older_cursor is None else _older_than(qs, older_cursor)
        found.extend(part.order_by("-created", "-pk")[: size + 1])
    found.sort(key=_sort_key, reverse=True)
    cards = found[:size]
    if not cards:
        # Past the end (the rows behind the link were deleted): the newest page instead.
        return page_read(sources=sources, size=size) if older_cursor else Page(cards=[])
    return _page(
        cards,
        newer=Cursor.of(cards[0]) if older_cursor is not None else None,
        older=len(found) > size,
    )


def _page(cards: list, *, newer: Cursor | None, older: bool) -> Page:
    return Page(
        cards=cards,
        newer=newer,
        older=Cursor.of(cards[-1]) if older and cards else None,
        moving=[card for card in cards if card_moving(card)],
    )


def card_moving(card) -> bool:
    """Whether the worker will still change this card (a run or a batch)."""
    moving = BATCHES_MOVING if isinstance(card, Batch) else RUNS_MOVING
    return card.state in moving


def card_mark(card) -> str:
    """What a page says it saw of a card (`s=<id>:<mark>`): its state, and how many
    images are saved (a run read with `card_copied`) or items finished (a batch), so a
    card changes as each image of a run arrives."""
    count = getattr(card, "card_copied", None)
    if count is None:
        count = getattr(card, "items_done", None)
    return f"{card.state}.{count or 0}"


def card_changes(*, seen: dict[str, str], runs: QuerySet, batches: QuerySet) -> tuple:
    """Of the cards a page shows as `seen` ({id: card_mark}), those whose mark is now
    different, and those still moving (to ask about again): read from our database only,
    in at most two queries. Ids that `runs` and `batches` do not hold are ignored."""
    ids = []
    for text in list(seen)[:200]:
        try:
            ids.append(uuid.UUID(text))
        except ValueError:
            continue
    if not ids:
        return [], []
    found = list(runs.filter(pk__in=ids)) + list(batches.filter(pk__in=ids))
    changed = [card for card in found if seen.get(str(card.pk)) != card_mark(card)]
    return changed, [card for card in found if card_moving(card)]
