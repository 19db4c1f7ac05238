"""Turn whatever image a user gives us into one A1 accepts, and say what was done.

A1 takes PNG or JPEG (by content), at most 10 MB and 2048x2048. We accept more than
that (other formats Pillow reads, HEIC/HEIF from phones, EXIF-rotated photos, large
images) and convert, so that a phone photo just works; the notes tell the user what
changed.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

# iPhones save HEIC by default: pillow-heif (libheif) teaches Pillow to read HEIC/HEIF.
register_heif_opener()

A1_MAX_BYTES = 10 * 1024 * 1024
A1_MAX_SIDE = 2048
# What we accept before converting: generous, but bounded so a hostile file costs little.
MAX_INPUT_BYTES = 25 * 1024 * 1024
MAX_INPUT_PIXELS = 64_000_000


class ImageRejected(ValueError):
    """The file cannot be used; the message is for the user, in the active language.

    Raised here with the untranslated message (`gettext_noop`) and its values, so a copy
    kept for later (a batch item's reason) can be worded again in the reader's language
    (`msgid`, `params`). Raised elsewhere with words already translated, those stand."""

    def __init__(self, msgid: str, params: dict | None = None):
        self.msgid, self.params = msgid, dict(params or {})
        words = _(msgid)
        super().__init__(words % self.params if self.params else words)


@dataclass
class Normalised:
    content: bytes
    format: str  # "PNG" or "JPEG"
    width: int
    height: int
    notes: list[str] = field(default_factory=list)
    original_name: str = ""
    source_url: str = ""

    @property
    def extension(self) -> str:
        return ".png" if self.format == "PNG" else ".jpg"

    @property
    def content_type(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"


def normalise(content: bytes, *, max_side: int = A1_MAX_SIDE) -> Normalised:
    """Check an image by its content and convert it to what A1 accepts."""
    if not content:
        raise ImageRejected(gettext_noop("The file is empty."))
    if len(content) > MAX_INPUT_BYTES:
        raise ImageRejected(
            gettext_noop("The file is larger than %(limit)d MB; please choose a smaller image."),
            {"limit": MAX_INPUT_BYTES // (1024 * 1024)},
        )
    try:
        opened = Image.open(io.BytesIO(content))
    except UnidentifiedImageError:
        raise ImageRejected(gettext_noop("This file is not an image we can read.")) from None
    except Image.DecompressionBombError:
        raise ImageRejected(
            gettext_noop("This image has too many pixels, too large to process.")
        ) from None
    except (OSError, ValueError):
        raise ImageRejected(gettext_noop("This image could not be read.")) from None
    with opened:
        return _normalise(opened, content, max_side)


def _normalise(image: Image.Image, content: bytes, max_side: int) -> Normalised:
    if image.width * image.height > MAX_INPUT_PIXELS:
        raise ImageRejected(
            gettext_noop("This image is %(w)d×%(h)d pixels, too large to process."),
            {"w": image.width, "h": image.height},
        )
    source_format = image.format or "?"
    full_size = image.size
    if source_format == "JPEG" and max(image.size) > max_side:
        # Decode at the smallest JPEG scale (1/2, 1/4, 1/8) still at least the size we
        # keep: a 64 MP photo then takes a quarter of its full-size memory, or less.
        scale = max_side / max(image.size)
        image.draft(image.mode, (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    try:
        image.load()
    except (OSError, ValueError, SyntaxError):
        raise ImageRejected(gettext_noop("This image is damaged or incomplete.")) from None
    drafted = image.size != full_size

    notes: list[str] = []
    changed = False
    if getattr(image, "is_animated", False):
        notes.append(_("Only the first frame of the animation is used."))
        changed = True
    if source_format not in {"PNG", "JPEG"}:
        notes.append(_("Converted from %(format)s.") % {"format": source_format})
        changed = True
    if _orientation(image) not in (0, 1):
        if _orientation(image) in (5, 6, 7, 8):  # turned a quarter: width and height swap
            full_size = full_size[::-1]
        image = ImageOps.exif_transpose(image)
        notes.append(_("Rotated to match the camera's orientation."))
        changed = True
    elif image.info.get("original_orientation", 1) not in (0, 1):
        # pillow-heif turns a HEIF photo upright as it opens it; say so all the same.
        notes.append(_("Rotated to match the camera's orientation."))

    if image.mode not in {"RGB", "RGBA", "L"}:
        has_alpha = image.mode in {"LA", "PA"} or (
            image.mode == "P" and "transparency" in image.info
        )
        if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
            image = image.point(lambda v: v / 256).convert("L")  # 16-bit grey to 8-bit
        image = image.convert("RGBA" if has_alpha else "RGB")
        if source_format in {"PNG", "JPEG", "MPO"}:
            notes.append(_("Colours converted to RGB."))
        changed = True

    if drafted or max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        notes.append(
            _("Scaled down from %(w1)d×%(h1)d to %(w2)d×%(h2)d.")
            % {"w1": full_size[0], "h1": full_size[1], "w2": image.width, "h2": image.height}
        )
        changed = True

    if not changed and len(content) <= A1_MAX_BYTES:
        return Normalised(content, "PNG" if source_format == "PNG" else "JPEG", *image.size, notes)

    out_format = "PNG" if image.mode == "RGBA" else "JPEG"
    encoded = _encode(image, out_format)
    if len(encoded) > A1_MAX_BYTES:  # a huge PNG photo: JPEG it
        out_format, encoded = "JPEG", _encode(image.convert("RGB"), "JPEG")
    if len(content) > A1_MAX_BYTES:
        notes.append(_("Compressed to fit A1's 10 MB limit."))
    return Normalised(encoded, out_format, image.width, image.height, notes)


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (AttributeError, TypeError, ValueError):
        return 1


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=90, optimize=True)
    else:
        image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
