"""The points ledger: the one owner of "who pays".

Every movement of points is an entry, written in the transaction that changes the
run or batch item it is for, never anywhere else:

- `ledger_hold`: a run is opened (submission.run_open) or a batch's items are started
  (batches.batch_start, batch_retry_failed): the points are held, and the person, team
  and key billed are named, once.
- `ledger_release`: the hold ends without anything spent (A1 refused, the submission
  died before sending, the task failed, an item was cancelled, refused, or became a
  run, whose own hold then takes over).
- `ledger_spend`: the run ended with its results: the hold is released and what was
  spent is entered.

Later entries copy the billing of the hold they close, so nothing done to a run
afterwards (sharing it with another team, moving it, deleting it, erasing its owner)
changes who paid. "Used this month" is kept beside the entries: each write adds its
points to the month's total of the person, the team and the key it names (`LedgerMonth`),
in the same transaction, so `points_used` reads one row per month, never the month's
entries (the budget check of every run and every gallery's allowances ask for it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncMonth
from django.tasks import task
from django.utils import timezone

from common.tracing import traced_job
from generator.models import ApiKey, BatchItem, LedgerEntry, LedgerMonth, Run, Team

logger = logging.getLogger(__name__)

Kind = LedgerEntry.Kind


@dataclass(frozen=True)
class Billing:
    """Who pays for a run or an item: decided when its points are first held."""

    user_id: int | None
    team_id: int | None
    api_key_id: int | None

    @classmethod
    def of(cls, *, user, team: Team | None, api_key: ApiKey | None) -> Billing:
        return cls(
            user.pk,
            team.pk if team is not None else None,
            api_key.pk if api_key is not None else None,
        )


def month_start(today: date | None = None) -> date:
    return (today or timezone.localdate()).replace(day=1)


def _must_be_in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger entries are written in the transaction that moves the run")


def ledger_hold(
    *,
    points: int,
    billing: Billing,
    run: Run | None = None,
    items: list[BatchItem] | None = None,
    app_id: str = "",
    app_name: str = "",
) -> None:
    """Hold points for one run, or for each of a batch's items, billed as named here."""
    _must_be_in_transaction()
    common = {
        "kind": Kind.HOLD,
        "points": points,
        "day": timezone.localdate(),
        "user_id": billing.user_id,
        "team_id": billing.team_id,
        "api_key_id": billing.api_key_id,
        "app_id": app_id,
        "app_name": app_name[:300],
    }
    written = []
    if run is not None:
        written.append(LedgerEntry.objects.create(run=run, **common))
    for item in items or []:
        written.append(LedgerEntry.objects.create(item=item, **{**common, "points": item.points}))
    _count(written)


PAYERS = ("user_id", "team_id", "api_key_id")


def _count(entries: list[LedgerEntry]) -> None:
    """Add the entries' points to the month totals of whoever they name, in the caller's
    transaction (payers in a fixed order, so two transactions lock rows in one order)."""
    totals: dict[tuple[str, int, date], int] = {}
    for entry in entries:
        for payer in PAYERS:
            if (pk := getattr(entry, payer)) is not None:
                key = (payer, pk, entry.day.replace(day=1))
                totals[key] = totals.get(key, 0) + entry.points
    for (payer, pk, month), points in sorted(totals.items()):
        row = LedgerMonth.objects.filter(**{payer: pk}, month=month)
        if row.update(points=F("points") + points):
            continue
        try:
            with transaction.atomic():
                LedgerMonth.objects.create(**{payer: pk}, month=month, points=points)
        except IntegrityError:  # another transaction made the row first: add to it
            row.update(points=F("points") + points)


def _open_hold(*, run_id=None, item_id=None) -> LedgerEntry | None:
    """The hold not yet closed for this run or item (an item may be held again after a
    run made from it was abandoned: the latest hold is the open one)."""
    scope = Q(run_id=run_id) if run_id is not None else Q(item_id=item_id)
    entries = list(LedgerEntry.objects.filter(scope).order_by("pk"))
    held = sum(e.points for e in entries if e.kind != Kind.SPEND)
    holds = [e for e in entries if e.kind == Kind.HOLD]
    if held <= 0 or not holds:
        return None
    return holds[-1]


def _closing(hold: LedgerEntry, kind: str, points: int) -> LedgerEntry:
    """An entry that closes `hold`: same billing, same day, same run or item."""
    return LedgerEntry(
        kind=kind,
        points=points,
        day=hold.day,
        user_id=hold.user_id,
        team_id=hold.team_id,
        api_key_id=hold.api_key_id,
        run_id=hold.run_id,
        item_id=hold.item_id,
        app_id=hold.app_id,
        app_name=hold.app_name,
    )


def _write(entries: list[LedgerEntry]) -> bool:
    """Write the entries at once; False if the run was already closed by someone else
    (the constraint allows one release and one spend per run)."""
    try:
        with transaction.atomic():
            for entry in entries:
                entry.save()
            _count(entries)
    except IntegrityError:
        return False
    return True


def ledger_release(*, run_id=None, item_ids: list | None = None) -> int:
    """Release the open hold of a run, or of each of these items; how many were open.

    Call it in the transaction whose conditional update ended the hold (the run failed
    or was abandoned, the items were cancelled, refused or turned into runs).
    """
    _must_be_in_transaction()
    released = 0
    targets = [{"run_id": run_id}] if run_id is not None else []
    targets += [{"item_id": pk} for pk in item_ids or []]
    for target in targets:
        hold = _open_hold(**target)
        if hold is None:
            continue
        if _write([_closing(hold, Kind.RELEASE, -hold.points)]):
            released += 1
    return released


def ledger_spend(*, run_id, points: int) -> bool:
    """The run ended with its results: its hold is released and `points` are spent."""
    _must_be_in_transaction()
    hold = _open_hold(run_id=run_id)
    if hold is None:
        logger.warning("Run %s ended with no open hold in the ledger", run_id)
        return False
    return _write([_closing(hold, Kind.RELEASE, -hold.points), _closing(hold, Kind.SPEND, points)])


def billing_of(*, run_id=None, item_id=None) -> Billing | None:
    """Who pays for this run or item (None: nothing was ever held for it)."""
    scope = Q(run_id=run_id) if run_id is not None else Q(item_id=item_id)
    hold = LedgerEntry.objects.filter(scope, kind=Kind.HOLD).first()
    if hold is None:
        return None
    return Billing(hold.user_id, hold.team_id, hold.api_key_id)


def points_used(*, user=None, team=None, api_key=None, since: date | None = None) -> int:
    """Points used from `since` (default: the start of this month) by one person, team or
    key: held by what is not settled yet, plus what was spent. From a month's first day,
    its totals (one row a month); from any other day, an indexed sum of the entries."""
    if sum(x is not None for x in (user, team, api_key)) != 1:
        raise ValueError("name exactly one of user, team, api_key")
    scope = (
        Q(user=user)
        if user is not None
        else Q(team=team)
        if team is not None
        else Q(api_key=api_key)
    )
    since = since or month_start()
    if since.day == 1:
        return LedgerMonth.objects.filter(scope, month__gte=since).aggregate(
            points=Sum("points", default=0)
        )["points"]
    return LedgerEntry.objects.filter(scope, day__gte=since).aggregate(
        points=Sum("points", default=0)
    )["points"]


def _month_sums() -> dict[tuple[str, int, date], int]:
    """What the month totals must be: (payer field, payer id, month) -> the sum of the
    entries that name that payer in that month."""
    sums: dict[tuple[str, int, date], int] = {}
    for payer in PAYERS:
        field = payer.removesuffix("_id")
        rows = (
            LedgerEntry.objects.filter(**{f"{field}__isnull": False})
            .annotate(month=TruncMonth("day"))
            .order_by()
            .values(payer, "month")
            .annotate(points=Sum("points"))
        )
        for row in rows:
            sums[(payer, row[payer], row["month"])] = row["points"]
    return sums


def ledger_months_rebuild() -> int:
    """Recount every month total from the entries (after a repair of the entries, or to
    check them: the totals must equal what this writes); how many rows it wrote."""
    with transaction.atomic():
        LedgerMonth.objects.all().delete()
        rows = [
            LedgerMonth(**{payer: pk}, month=month, points=points)
            for (payer, pk, month), points in _month_sums().items()
        ]
        LedgerMonth.objects.bulk_create(rows)
    return len(rows)


def points_held(*, run_ids=None, item_ids=None) -> int:
    """Points still held for these runs or items (not yet released or spent)."""
    scope = Q(run_id__in=list(run_ids or [])) | Q(item_id__in=list(item_ids or []))
    return (
        LedgerEntry.objects.filter(scope)
        .exclude(kind=Kind.SPEND)
        .aggregate(points=Sum("points", default=0))["points"]
    )


def ledger_forget(*, user) -> int:
    """Erasure: the person's entries stay (their teams' and the account's totals must
    not change) but no longer say whose they were or which runs they were for; the
    person's month totals go with their name, in the same transaction (entries first,
    so the totals never name points no entry names)."""
    with transaction.atomic():
        forgotten = LedgerEntry.objects.filter(user=user).update(user=None, run=None, item=None)
        LedgerMonth.objects.filter(user=user).delete()
    return forgotten


def ledger_months_mend() -> int:
    """Check every month total against the entries and mend those that differ; how many
    differed (0 when the totals hold, which is what every write keeps).

    What could make them differ: an entry written without its total (a process of an
    older release during a rolling deploy, a hand repair of the entries). The budget
    check trusts the totals, so the daily chore (ops/chores.py) and operators after a
    deploy (docs/operators.md) run this. The comparison reads the entries and the totals
    in one snapshot (REPEATABLE READ on PostgreSQL; SQLite's transactions are snapshots);
    the mending adds each difference with F() in a short transaction of its own, so a
    write that lands meanwhile is counted once, by itself."""
    connection = transaction.get_connection()
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        expected = _month_sums()
        kept: dict[tuple[str, int, date], int] = {}
        for row in LedgerMonth.objects.values(*PAYERS, "month", "points"):
            payer = next(p for p in PAYERS if row[p] is not None)
            kept[(payer, row[payer], row["month"])] = row["points"]
    differences = {
        key: expected.get(key, 0) - kept.get(key, 0)
        for key in expected.keys() | kept.keys()
        if expected.get(key, 0) != kept.get(key, 0)
    }
    for (payer, pk, month), points in sorted(differences.items()):
        with transaction.atomic():
            row = LedgerMonth.objects.filter(**{payer: pk}, month=month)
            if not row.update(points=F("points") + points):
                try:
                    with transaction.atomic():
                        LedgerMonth.objects.create(**{payer: pk}, month=month, points=points)
                except IntegrityError:
                    row.update(points=F("points") + points)
    if differences:
        logger.error(
            "Month totals of points differed from the ledger for %d payer-months; mended",
            len(differences),
        )
    return len(differences)


@task()
@traced_job
def mend_ledger_months() -> int:
    """The daily chore of `ledger_months_mend`."""
    return ledger_months_mend()
