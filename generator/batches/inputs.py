"""Turning what a person uploads for a batch into items, as plain data.

Photos come per slot (many files, or ZIPs of photos), texts one value per line or as
a CSV column. Nothing here reads image bytes or touches the database: it pairs names,
so the web request stays fast and the worker checks the photos afterwards.

Rules, in the order a person would guess them:
- one photo slot: each photo is an item;
- several photo slots (a group photo): photos pair by file name, either the same name
  in each slot or one name with the person's number at the end (`anna_1.jpg`,
  `anna_2.jpg`); a CSV with a column per slot pairs them explicitly;
- a text field with one line applies to every item; with as many lines as there are
  photos, line n goes with the n-th photo in name order; without photos, each line
  (or CSV row) is an item.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from generator.batches.reasons import reason_said
from generator.runs.inputs import DescriptionField, ImageSlot

PHOTO_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".heic",
    ".heif",
}
NUMBERED = re.compile(r"^(?P<stem>.*?)[ _\-.]?(?P<n>\d{1,2})$")
CSV_PHOTO_COLUMNS = ("file", "photo", "image", "filename", "文件", "照片")


@dataclass(frozen=True)
class Source:
    """One uploaded photo: where its bytes are, and the name the person gave it."""

    name: str  # the file name as uploaded (or the ZIP member's name)
    ref: str  # opaque: where the caller stored it


# A photo the person staged already (shared from their phone): checked and kept, so it
# is copied onto its item rather than read by the worker, and its file is never a raw
# upload to release.
STAGED = "staged:"


def staged_ref(pk: object) -> str:
    return f"{STAGED}{pk}"


def staged_id(ref: str) -> str | None:
    """The staged photo's id a Source's ref names, or None for an upload."""
    return ref.removeprefix(STAGED) if ref.startswith(STAGED) else None


def stored_name(ref: str) -> str | None:
    """The raw upload a Source's ref reads from ("stored!member" in a ZIP), or None."""
    return None if ref.startswith(STAGED) else ref.partition("!")[0]


@dataclass
class ItemPlan:
    label: str
    photos: dict[str, Source] = field(default_factory=dict)  # slot field name -> source
    descriptions: dict[str, str] = field(default_factory=dict)  # field id -> text
    reason: str = ""  # not empty: the item cannot be used, and why


@dataclass
class Plan:
    items: list[ItemPlan]
    problems: dict[str, str]  # field name -> what is wrong with the whole input


def _stem(name: str) -> str:
    return PurePosixPath(name).stem.strip().lower()


def is_photo_name(name: str) -> bool:
    path = PurePosixPath(name)
    hidden = any(part.startswith((".", "__MACOSX")) for part in path.parts)
    return not hidden and path.suffix.lower() in PHOTO_SUFFIXES


def read_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def read_csv(content: bytes) -> tuple[list[dict[str, str]], str]:
    """Rows keyed by lower-cased header; or an error message for the person."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")  # what Excel in Chinese saves
        except UnicodeDecodeError:
            return [], _("The CSV file is not UTF-8 text.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames:
        return [], _("The CSV file has no header row.")
    rows = []
    for row in reader:
        cleaned = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if any(cleaned.values()):
            rows.append(cleaned)
    return rows, ""


def _column_for(item: DescriptionField, headers: set[str]) -> str | None:
    for candidate in (item.id, item.label.strip().lower(), item.name):
        if candidate and candidate.lower() in headers:
            return candidate.lower()
    return None


def plan_items(
    *,
    slots: list[ImageSlot],
    texts: list[DescriptionField],
    photos: dict[str, list[Source]],
    lines: dict[str, list[str]],
    csv_rows: list[dict[str, str]] | None = None,
    max_items: int = 1000,
) -> Plan:
    """Pair photos and texts into items; bad pairings become items with a reason."""
    problems: dict[str, str] = {}
    csv_rows = csv_rows or []
    headers = set().union(*(row.keys() for row in csv_rows)) if csv_rows else set()
    for slot in slots:
        photos.setdefault(slot.name, [])

    if len(slots) == 1:
        items = [
            ItemPlan(label=src.name, photos={slots[0].name: src})
            for src in sorted(photos[slots[0].name], key=lambda s: s.name.lower())
        ]
    elif slots:
        items = _pair_group(slots, photos, csv_rows, headers)
    else:
        items = []

    text_columns = {t.id: _column_for(t, headers) for t in texts}
    if csv_rows and any(text_columns.values()) and slots and len(slots) == 1:
        photo_column = next((c for c in CSV_PHOTO_COLUMNS if c in headers), None)
        if photo_column:
            by_name = {_stem(row.get(photo_column, "")): row for row in csv_rows}
            for item in items:
                row = by_name.get(_stem(item.label))
                if row is None:
                    item.reason = "no_csv_row"  # a code: generator/batches/reasons.py
                    continue
                for text in texts:
                    column = text_columns[text.id]
                    if column and row.get(column):
                        item.descriptions[text.id] = row[column]
        elif len(csv_rows) == len(items):
            for item, row in zip(items, csv_rows, strict=True):
                for text in texts:
                    column = text_columns[text.id]
                    if column and row.get(column):
                        item.descriptions[text.id] = row[column]
        else:
            problems["csv"] = _(
                "The CSV has %(rows)d rows but there are %(photos)d photos; add a “file” "
                "column naming each photo, or give one row per photo."
            ) % {"rows": len(csv_rows), "photos": len(items)}
    elif csv_rows and len(slots) > 1 and len(items) == len(csv_rows):
        for item, row in zip(items, csv_rows, strict=True):  # rows drove the pairing
            for text in texts:
                column = text_columns[text.id]
                if column and row.get(column):
                    item.descriptions[text.id] = row[column]
    elif csv_rows and not slots:
        for number, row in enumerate(csv_rows, start=1):
            item = ItemPlan(label=_("Row %(n)d") % {"n": number})
            for text in texts:
                column = text_columns[text.id]
                if column and row.get(column):
                    item.descriptions[text.id] = row[column]
            items.append(item)
        if not any(text_columns.values()):
            problems["csv"] = _("No column of the CSV matches a text field of this app.")

    # Lines typed into the text fields.
    if not slots and not csv_rows:
        count = max((len(v) for v in lines.values()), default=0)
        items = [ItemPlan(label=_("Line %(n)d") % {"n": n + 1}) for n in range(count)]
    for text in texts:
        values = lines.get(text.id) or []
        if not values:
            continue
        if len(values) == 1:
            for item in items:
                item.descriptions.setdefault(text.id, values[0])
        elif len(values) == len(items):
            for item, value in zip(items, values, strict=True):
                item.descriptions[text.id] = value
        else:
            problems[text.name] = _(
                "%(lines)d lines here, but there are %(items)d items: give one line for all, "
                "or one line per item."
            ) % {"lines": len(values), "items": len(items)}

    for item in items:
        if item.reason:
            continue
        missing = [t for t in texts if t.required and not item.descriptions.get(t.id)]
        if missing:
            item.reason = reason_said(
                gettext_noop("Missing: %(fields)s."),
                {"fields": ", ".join(str(t.label) for t in missing)},
                fields={"fields": [t.name for t in missing]},
            )
    if not items and not problems:
        problems["__all__"] = _("Add photos (or texts, one per line) to make a batch.")
    if len(items) > max_items:
        problems["__all__"] = _(
            "A batch holds at most %(max)d items; this one would have %(n)d."
        ) % {"max": max_items, "n": len(items)}
    return Plan(items=items, problems=problems)


def _pair_group(slots, photos, csv_rows, headers) -> list[ItemPlan]:
    """Several photo slots: pair by CSV columns named after the slots, else by name."""
    slot_columns = {}
    for number, slot in enumerate(slots, start=1):
        for candidate in (slot.name, slot.label.lower(), f"person {number}", f"photo {number}"):
            if candidate.lower() in headers:
                slot_columns[slot.name] = candidate.lower()
                break
    everything = {_stem(src.name): src for sources in photos.values() for src in sources}
    if csv_rows and len(slot_columns) == len(slots):
        items = []
        for number, row in enumerate(csv_rows, start=1):
            item = ItemPlan(label=_("Row %(n)d") % {"n": number})
            for slot in slots:
                src = everything.get(_stem(row.get(slot_columns[slot.name], "")))
                if src is None:
                    item.reason = reason_said(
                        gettext_noop("The photo for %(slot)s is not among the uploads."),
                        {"slot": str(slot.label)},
                        fields={"slot": [slot.name]},
                    )
                else:
                    item.photos[slot.name] = src
            items.append(item)
        return items

    groups: dict[str, dict[str, Source]] = {}
    single_upload = sum(1 for sources in photos.values() if sources) <= 1
    for index, slot in enumerate(slots):
        for src in photos[slot.name]:
            stem = _stem(src.name)
            if single_upload:
                # Everything came in one pile: the number at the end says who is who.
                match = NUMBERED.match(stem)
                if not match or not 1 <= int(match["n"]) <= len(slots):
                    groups.setdefault(stem, {})["?"] = src
                    continue
                stem, target = match["stem"], slots[int(match["n"]) - 1].name
            else:
                match = NUMBERED.match(stem)
                if match and int(match["n"]) == index + 1:
                    stem = match["stem"]
                target = slot.name
            groups.setdefault(stem, {})[target] = src
    items = []
    for stem in sorted(groups):
        found = groups[stem]
        item = ItemPlan(label=stem, photos={k: v for k, v in found.items() if k != "?"})
        if "?" in found:
            item.reason = reason_said(
                gettext_noop(
                    "Name the photos of one group with the person's number at the end, "
                    "like anna_1.jpg and anna_2.jpg."
                )
            )
        else:
            missing = [slot for slot in slots if slot.name not in found and slot.required]
            if missing:
                item.reason = reason_said(
                    gettext_noop("No photo for %(slots)s with this name."),
                    {"slots": ", ".join(str(slot.label) for slot in missing)},
                    fields={"slots": [slot.name for slot in missing]},
                )
        items.append(item)
    return items
