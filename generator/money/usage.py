"""Usage figures: points spent per day over a period, split by user, team or app."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import spreadsheet_cell
from generator.models import LedgerEntry
from generator.runs.definitions import a1_language, app_names

SPLITS = ("user", "team", "app")
# What each split groups by: an app by its id and the name its run was started under,
# so an app is one row whatever language its runs were started in.
_FIELDS = {"user": ("user__username",), "team": ("team__name",), "app": ("app_id", "app_name")}
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


def _namer(spent: QuerySet, split: str, language: str) -> Callable[[tuple], str]:
    """How a group of `split` is named on the page: a person or team by name (entries
    of an erased person have no person left); an app by its name in the reader's
    language where A1 has one, else as generator/runs/definitions.py `app_names` falls
    back (the app's own, the same for everyone), else the name its run was started under."""
    if split == "user":
        return lambda key: key[0] or str(_("(erased accounts)"))
    if split == "team":
        return lambda key: key[0] or "—"
    ids = set(spent.exclude(app_id="").values_list("app_id", flat=True).distinct())
    names = app_names(app_ids=ids, language=a1_language(language)) if ids else {}
    return lambda key: (names[key[0]][0] if key[0] in names else key[1]) or "—"


def _totals(spent: QuerySet, split: str, language: str) -> list[tuple[str, int]]:
    name = _namer(spent, split, language)
    merged: dict[str, int] = defaultdict(int)
    for *key, points in spent.values_list(*_FIELDS[split]).annotate(p=Sum("points")).order_by():
        merged[name(tuple(key))] += points or 0
    return sorted(merged.items(), key=lambda kv: (-kv[1], kv[0].lower()))


def _series(spent: QuerySet, split: str, days: list[date], language: str) -> list[Series]:
    """Points per day for each name, largest first; beyond MAX_SERIES folded into Other."""
    name = _namer(spent, split, language)
    index = {day: i for i, day in enumerate(days)}
    per_name: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    rows = spent.values_list("day", *_FIELDS[split]).annotate(p=Sum("points")).order_by()
    for day, *key, points in rows:
        if day in index and points:
            per_name[name(tuple(key))][index[day]] += points
    ranked = sorted(per_name.items(), key=lambda kv: (-sum(kv[1]), kv[0].lower()))
    series = [Series(name, points, sum(points)) for name, points in ranked[:MAX_SERIES]]
    rest = ranked[MAX_SERIES:]
    if rest:
        other = [sum(points[i] for _, points in rest) for i in range(len(days))]
        series.append(Series(_("Other"), other, sum(other)))
    return series


def usage_range(
    *, start: date, end: date, user=None, split: str = "app", language: str = ""
) -> Usage:
    """Points spent per day from `start` to `end` (inclusive), for one user or everyone,
    read from the ledger: split by the person, team and app billed when the points were
    held (sharing a run later moves nothing here; removed runs and erased people's
    spending stay counted).

    Spent points count on the day the run started; points still held by runs in
    progress (or of unknown outcome) and by batch items not yet sent are reported apart
    as `quoted_open`. Apps are named for a reader of `language` (Django's code; the
    active language when empty).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    if end < start:
        raise ValueError("the period ends before it starts")
    end = min(end, start + timedelta(days=MAX_DAYS - 1))
    entries = _entries(start=start, end=end, user=user)
    spent = entries.filter(kind=LedgerEntry.Kind.SPEND)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    series = _series(spent, split, days, language)
    total_by_day = {day: sum(s.points[i] for s in series) for i, day in enumerate(days)}
    return Usage(
        start=start,
        end=end,
        days=days,
        total_by_day=total_by_day,
        by_user=_totals(spent, "user", language),
        by_team=_totals(spent, "team", language),
        by_app=_totals(spent, "app", language),
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
