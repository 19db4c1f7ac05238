"""Contact sheets of the screenshots, for docs/img (issue 31's evidence).

    .venv/bin/python tools/sheets.py AFTER_DIR [BEFORE_DIR]

AFTER_DIR and BEFORE_DIR hold tests/e2e/test_screenshots.py's PNGs
(`<page>-<desk|phone>-<light|dark>-<lang>.png`): BEFORE_DIR from a checkout before the
polish. Writes docs/img/results31-*.webp:
- per page or state, `<state>-phone` and `<state>-desk`: the four languages side by side,
  light above dark; the desk cropped to its first viewport (1280x900), the phone to its
  first screen (390x844), both scaled down;
- per defect, `<defect>-before-after`: before | after at 1280 and 390 px, light and dark.
A missing PNG is a grey tile that says so, so a gap shows instead of hiding.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
LANGUAGES = ["en", "zh-hans", "zh-hant", "ja"]
THEMES = ["light", "dark"]
VIEW = {"desk": (1280, 900), "phone": (390, 844)}
QUALITY = 62
FONT = ImageFont.load_default(size=13)

# Pages and states shown in the four languages, with where their first screen starts
# (desk y, phone y): most at the top, a few at what changed.
STATES: dict[str, tuple[int, int]] = {
    "history": (0, 0),
    "history-copying": (0, 0),
    "run-copying": (0, 0),
    "team": (0, 0),
    "trash": (0, 0),
    "viewer-open": (0, 0),
    "use-as-input": (0, 0),
    "share-choose": (0, 0),
    "batch-shared": (0, 0),
    "share-storage-away": (0, 0),
    "compare": (0, 0),
    "compare-slider": (0, 0),
    "bulk-bar": (0, 0),
    "apps": (0, 0),
    "app-form": (0, 0),
    "app-unavailable": (0, 0),
    "usage": (0, 0),
    "batch-done": (0, 0),
    "offline": (0, 0),
}


@dataclass(frozen=True)
class Defect:
    page: str
    language: str
    desk: tuple[int, int, int, int]  # the crop box at 1280 px (left, top, right, bottom)
    phone: tuple[int, int, int, int]  # and at 390 px


def _top(width: int, height: int, y: int = 0) -> tuple[int, int, int, int]:
    return (0, y, width, y + height)


DEFECTS: dict[str, Defect] = {
    "viewer-backdrop": Defect("viewer-open", "en", _top(1280, 900), _top(390, 844)),
    "bulk-bar": Defect("bulk-bar", "en", _top(1280, 900), _top(390, 844)),
    "header-ja": Defect("apps", "ja", _top(1280, 420), _top(390, 420)),
    "library-filters": Defect("apps", "en", _top(1280, 900), _top(390, 844, 600)),
    "size-tiles": Defect("app-form", "en", _top(1280, 400, 1050), _top(390, 520, 1380)),
    "version-id": Defect("app-form", "en", _top(1280, 420), _top(390, 520)),
    "support-code": Defect("app-unavailable", "en", _top(1280, 420), _top(390, 520)),
    "usage-month-chart": Defect("usage", "en", _top(1280, 900, 120), _top(390, 844)),
    "usage-cards": Defect("usage", "en", _top(1280, 600, 900), _top(390, 860, 800)),
    "batch-order": Defect("batch-done", "en", _top(1280, 900), _top(390, 844)),
}


def _open(folder: Path, name: str, box: tuple[int, int, int, int]) -> Image.Image:
    path = folder / f"{name}.png"
    size = (box[2] - box[0], box[3] - box[1])
    if not path.exists():
        tile = Image.new("RGB", size, "#bbb")
        ImageDraw.Draw(tile).text((10, 10), f"missing: {name}", fill="black", font=FONT)
        return tile
    with Image.open(path) as image:
        shot = image.convert("RGB")
    canvas = Image.new("RGB", size, "#888")
    canvas.paste(shot.crop((box[0], box[1], min(box[2], shot.width), min(box[3], shot.height))))
    return canvas


def _scaled(image: Image.Image, scale: float) -> Image.Image:
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS)


def _grid(rows: list[list[tuple[str, Image.Image]]], gap: int = 8, label: int = 18) -> Image.Image:
    """Tiles under their captions, row by row (every tile of a row as tall as the first)."""
    width = max(sum(t.width for _c, t in row) + gap * (len(row) + 1) for row in rows)
    height = sum(max(t.height for _c, t in row) + label + gap for row in rows) + gap
    sheet = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(sheet)
    y = gap
    for row in rows:
        x = gap
        for caption, tile in row:
            draw.text((x, y), caption, fill="black", font=FONT)
            sheet.paste(tile, (x, y + label))
            x += tile.width + gap
        y += max(t.height for _c, t in row) + label + gap
    return sheet


def _save(sheet: Image.Image, name: str) -> None:
    path = OUT / f"results31-{name}.webp"
    sheet.save(path, "WEBP", quality=QUALITY, method=6)
    print(
        f"{path.relative_to(ROOT)}  {sheet.width}x{sheet.height}  {path.stat().st_size // 1024} KB"
    )


def languages(after: Path) -> None:
    for state, (desk_y, phone_y) in STATES.items():
        for width, scale, y in (("phone", 0.5, phone_y), ("desk", 0.3, desk_y)):
            w, h = VIEW[width]
            rows = [
                [
                    (f"{language} · {theme}",
                     _scaled(_open(after, f"{state}-{width}-{theme}-{language}", _top(w, h, y)), scale))
                    for language in LANGUAGES
                ]
                for theme in THEMES
            ]  # fmt: skip
            if any(
                (after / f"{state}-{width}-{theme}-{language}.png").exists()
                for theme in THEMES
                for language in LANGUAGES
            ):
                _save(_grid(rows), f"{state}-{width}")


def defects(after: Path, before: Path) -> None:
    for name, defect in DEFECTS.items():
        rows = []
        for theme in THEMES:
            row = []
            for width, box, scale in (("desk", defect.desk, 0.4), ("phone", defect.phone, 0.43)):
                shot = f"{defect.page}-{width}-{theme}-{defect.language}"
                for when, folder in (("before", before), ("after", after)):
                    row.append(
                        (f"{when} · {box[2] - box[0]} px · {theme}",
                         _scaled(_open(folder, shot, box), scale))
                    )  # fmt: skip
            rows.append(row)
        _save(_grid(rows), f"{name}-before-after")


def main() -> None:
    after = Path(sys.argv[1])
    languages(after)
    if len(sys.argv) > 2:
        defects(after, Path(sys.argv[2]))


if __name__ == "__main__":
    main()
