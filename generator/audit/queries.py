"""Reading the audit log: the filters staff and managers use, one page at a time, and
the same entries as CSV or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from common.spreadsheets import spreadsheet_cell
from generator.audit.models import Act, AuditEntry

PAGE = 50
COLUMNS = [
    "id",
    "at",
    "act",
    "actor",
    "via",
    "address",
    "key",
    "subject",
    "team",
    "target",
    "before",
    "after",
]


@dataclass(frozen=True)
class AuditFilters:
    person: str = ""
    team_id: int | None = None
    act: str = ""
    start: date | None = None
    end: date | None = None
    before_id: int | None = None  # the page after the one that ended at this entry

    @classmethod
    def from_params(cls, params) -> AuditFilters:
        return cls(
            person=params.get("person", "").strip()[:150],
            team_id=_int(params.get("team")),
            act=params.get("act", "") if params.get("act", "") in Act.values else "",
            start=_day(params.get("start")),
            end=_day(params.get("end")),
            before_id=_int(params.get("before")),
        )

    @property
    def reversed_dates(self) -> bool:
        return self.start is not None and self.end is not None and self.start > self.end

    def query(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.person:
            entries = entries.filter(
                Q(actor_name__iexact=self.person) | Q(subject_name__iexact=self.person)
            )
        if self.team_id is not None:
            entries = entries.filter(team_id=self.team_id)
        if self.act:
            entries = entries.filter(act=self.act)
        zone = timezone.get_current_timezone()
        if self.start is not None:
            entries = entries.filter(at__gte=datetime.combine(self.start, time.min, zone))
        if self.end is not None:
            entries = entries.filter(at__lte=datetime.combine(self.end, time.max, zone))
        return entries

    def params(self) -> dict[str, str]:
        """The filters as query parameters (for the export links and the next page)."""
        values = {
            "person": self.person,
            "team": "" if self.team_id is None else str(self.team_id),
            "act": self.act,
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }
        return {name: value for name, value in values.items() if value}


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _day(text) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def audit_entries(*, team_ids: list[int] | None = None) -> QuerySet[AuditEntry]:
    """Every entry (staff), or a team's part (its managers): the entries about the team."""
    entries = AuditEntry.objects.all()
    if team_ids is not None:
        entries = entries.filter(team_id__in=team_ids)
    return entries.order_by("-id")


def audit_page(*, entries: QuerySet[AuditEntry], filters: AuditFilters) -> list[AuditEntry]:
    """One page, newest first; keyset by id, so a page costs the same at any depth."""
    chosen = filters.query(entries)
    if filters.before_id is not None:
        chosen = chosen.filter(id__lt=filters.before_id)
    return list(chosen[: PAGE + 1])


def _row(entry: AuditEntry) -> dict:
    return {
        "id": entry.pk,
        "at": entry.at.isoformat(),
        "act": entry.act,
        "actor": entry.actor_name,
        "via": entry.via,
        "address": entry.address or "",
        "key": entry.key_prefix,
        "subject": entry.subject_name,
        "team": entry.team_name,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
    }


def audit_jsonl(*, entries: QuerySet[AuditEntry]) -> Iterator[str]:
    for entry in entries.iterator(chunk_size=500):
        yield json.dumps(_row(entry), ensure_ascii=False, sort_keys=True) + "\n"


def _cell(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return spreadsheet_cell(str(value if value is not None else ""))


def audit_csv(*, entries: QuerySet[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for entry in entries.iterator(chunk_size=500):
        row = _row(entry)
        writer.writerow([_cell(row[column]) for column in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
