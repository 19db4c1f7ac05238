"""Usage figures: points spent per day over a period, split by user, team or app."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import spreadsheet_cell
from generator.models import LedgerEntry

SPLITS = ("user", "team", "app")
_FIELDS = {"user": "user__username", "team": "team__name", "app": "app_name"}
# More series than this and the colours stop telling them apart: the rest is "Other".
MAX_SERIES = 7
MAX_DAYS = 366


@dataclass
class Series:
    name: str
    points: list[int]  # one number per day of the period
    total: int


@dataclass
class Usage:
    start: date
    end: date
    days: list[date]
    total_by_day: dict[date, int]
    by_user: list[tuple[str, int]]
    by_team: list[tuple[str, int]]
    by_app: list[tuple[str, int]]
    total: int
    quoted_open: int
    split: str = "app"
    series: list[Series] | None = None


def _entries(*, start: date, end: date, user=None) -> QuerySet:
    entries = LedgerEntry.objects.filter(day__gte=start, day__lte=end)
    return entries.filter(user=user) if user is not None else entries


def _nobody(field: str) -> str:
    # Entries of an erased person have no person left.
    return str(_("(erased accounts)")) if field == _FIELDS["user"] else "—"


def _totals(spent: QuerySet, field: str) -> list[tuple[str, int]]:
    merged: dict[str, int] = defaultdict(int)
    for key, points in spent.values_list(field).annotate(p=Sum("points")).order_by():
        merged[key or _nobody(field)] += points or 0
    return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0].lower()))


def _series(spent: QuerySet, field: str, days: list[date]) -> list[Series]:
    """Points per day for each name, largest first; beyond MAX_SERIES folded into Other."""
    index = {day: i for i, day in enumerate(days)}
    per_name: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for day, name, points in spent.values_list("day", field).annotate(p=Sum("points")).order_by():
        if day in index and points:
            per_name[name or _nobody(field)][index[day]] += points
    ranked = sorted(per_name.items(), key=lambda kv: (-sum(kv[1]), kv[0].lower()))
    series = [Series(name, points, sum(points)) for name, points in ranked[:MAX_SERIES]]
    rest = ranked[MAX_SERIES:]
    if rest:
        other = [sum(points[i] for _, points in rest) for i in range(len(days))]
        series.append(Series(_("Other"), other, sum(other)))
    return series


def usage_range(*, start: date, end: date, user=None, split: str = "app") -> Usage:
    """Points spent per day from `start` to `end` (inclusive), for one user or everyone,
    read from the ledger: split by the person, team and app billed when the points were
    held (sharing a run later moves nothing here; removed runs and erased people's
    spending stay counted).

    Spent points count on the day the run started; points still held by runs in
    progress (or of unknown outcome) and by batch items not yet sent are reported apart
    as `quoted_open`.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    if end < start:
        raise ValueError("the period ends before it starts")
    end = min(end, start + timedelta(days=MAX_DAYS - 1))
    entries = _entries(start=start, end=end, user=user)
    spent = entries.filter(kind=LedgerEntry.Kind.SPEND)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    series = _series(spent, _FIELDS[split], days)
    total_by_day = {day: sum(s.points[i] for s in series) for i, day in enumerate(days)}
    return Usage(
        start=start,
        end=end,
        days=days,
        total_by_day=total_by_day,
        by_user=_totals(spent, _FIELDS["user"]),
        by_team=_totals(spent, _FIELDS["team"]),
        by_app=_totals(spent, _FIELDS["app"]),
        total=sum(total_by_day.values()),
        quoted_open=entries.exclude(kind=LedgerEntry.Kind.SPEND).aggregate(
            points=Coalesce(Sum("points"), 0)
        )["points"],
        split=split,
        series=series,
    )


def usage_month(*, today: date | None = None, user=None, split: str = "app") -> Usage:
    """This month so far (to `today`)."""
    today = today or timezone.localdate()
    return usage_range(start=today.replace(day=1), end=today, user=user, split=split)


def usage_csv(*, usage: Usage) -> str:
    """One row per day: the date, each series' points, and the day's total."""
    out = io.StringIO()
    writer = csv.writer(out)
    series = usage.series or []
    writer.writerow([_("Day"), *[spreadsheet_cell(s.name) for s in series], _("Total")])
    for i, day in enumerate(usage.days):
        writer.writerow([day.isoformat(), *[s.points[i] for s in series], usage.total_by_day[day]])
    writer.writerow([_("Total"), *[s.total for s in series], usage.total])
    return out.getvalue()
