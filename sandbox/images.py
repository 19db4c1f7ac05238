"""Image checks as A1 documents them, and the Pillow renderer for results and assets."""

from __future__ import annotations

import hashlib
import io
import textwrap
from functools import lru_cache
from pathlib import PurePosixPath

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from .state import SandboxError

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2048
SUFFIXES = {"png", "jpg", "jpeg"}
# sizeId -> (width, height) of the rendered result; 1:1 3:4 1:2 4:3 2:1 16:9 9:16.
# A1's results are about a megapixel; so are these, so copies and thumbnails weigh
# what they will weigh in production.
SIZE_PIXELS = {
    "1": (1024, 1024),
    "2": (768, 1024),
    "3": (512, 1024),
    "4": (1024, 768),
    "5": (1024, 512),
    "6": (1024, 576),
    "7": (576, 1024),
}


def check_image(
    content: bytes, filename: str | None, *, max_side: int = MAX_SIDE
) -> tuple[str, tuple[int, int]]:
    """Validate one upload the way A1 does: by suffix, then by content (`max_side` 0:
    any pixel size, the knob `upload_max_side`).

    Returns (Pillow format, (width, height)) or raises SandboxError with the code.
    """
    if filename is not None:
        suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
        if not suffix:
            raise SandboxError(20101, detail="file name has no suffix")
        if suffix not in SUFFIXES:
            raise SandboxError(10002, detail=f"suffix .{suffix}")
    if not content:
        raise SandboxError(20100, detail="empty file")
    if len(content) > MAX_BYTES:
        raise SandboxError(400003)
    try:
        image = Image.open(io.BytesIO(content))
    except Image.DecompressionBombError:
        raise SandboxError(400006) from None
    except Exception:
        raise SandboxError(400002) from None
    with image:
        if image.format not in {"PNG", "JPEG", "MPO"}:
            raise SandboxError(400005, detail=str(image.format))
        if max_side and (image.width > max_side or image.height > max_side):
            raise SandboxError(400006)
        try:
            image.load()
        except Exception:
            raise SandboxError(400004, detail="image data is damaged") from None
        return ("PNG" if image.format == "PNG" else "JPEG"), image.size


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow built without FreeType
        return ImageFont.load_default()


def _seeded(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def gradient(size: tuple[int, int], top: str, bottom: str) -> Image.Image:
    a, b = _hex(top), _hex(bottom)
    strip = Image.new("RGB", (1, 256))
    for y in range(256):
        t = y / 255
        strip.putpixel((0, y), tuple(round(a[i] * (1 - t) + b[i] * t) for i in range(3)))
    return strip.resize(size)


def apply_effect(image: Image.Image, effect: str, tint: str) -> Image.Image:
    """A visible transformation per style, so users can tell styles apart."""
    image = image.convert("RGB")
    if effect == "soft":
        image = image.filter(ImageFilter.GaussianBlur(2)).filter(ImageFilter.SMOOTH_MORE)
        image = Image.blend(image, Image.new("RGB", image.size, _hex(tint)), 0.25)
    elif effect == "vivid":
        image = ImageEnhance.Color(image).enhance(2.2)
        image = ImageEnhance.Contrast(image).enhance(1.3)
    elif effect == "ink":
        image = ImageOps.grayscale(image).filter(ImageFilter.CONTOUR).convert("RGB")
    elif effect == "sketch":
        edges = ImageOps.grayscale(image).filter(ImageFilter.FIND_EDGES)
        image = ImageOps.invert(edges).convert("RGB")
    elif effect in {"pop", "comic"}:
        image = ImageOps.posterize(ImageEnhance.Color(image).enhance(1.8), 3)
        if effect == "comic":
            image = image.filter(ImageFilter.EDGE_ENHANCE_MORE)
    elif effect == "gold":
        image = ImageOps.colorize(ImageOps.grayscale(image), "#3b2300", "#ffd27a")
    elif effect in {"neon", "pastel", "mono"}:
        if effect == "mono":
            image = ImageOps.grayscale(image).convert("RGB")
        else:
            strength = 0.45 if effect == "neon" else 0.3
            image = Image.blend(image, Image.new("RGB", image.size, _hex(tint)), strength)
    return image


def _cover_fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), size)


def _caption(canvas: Image.Image, lines: list[str]) -> None:
    draw = ImageDraw.Draw(canvas, "RGBA")
    font = _font(max(14, canvas.width // 28))
    wrapped = []
    for line in filter(None, lines):
        wrapped.extend(textwrap.wrap(line, width=max(12, canvas.width // 14))[:3])
    if not wrapped:
        return
    line_height = font.size + 6 if hasattr(font, "size") else 16
    height = line_height * len(wrapped) + 16
    draw.rectangle([0, canvas.height - height, canvas.width, canvas.height], fill=(0, 0, 0, 150))
    y = canvas.height - height + 8
    for line in wrapped:
        draw.text((12, y), line, fill=(255, 255, 255), font=font)
        y += line_height


def render_result(
    *,
    app_name: str,
    palette: tuple[str, str],
    photos: list[bytes],
    prompt: str,
    effect: str,
    tint: str,
    size_id: str,
    index: int,
) -> bytes:
    """One result image: the photos, restyled, in the chosen aspect ratio, with the prompt."""
    size = SIZE_PIXELS.get(size_id, SIZE_PIXELS["2" if photos else "1"])
    seed = _seeded(f"{prompt}|{effect}|{index}")
    if photos:
        canvas = Image.new("RGB", size)
        slot = size[0] // len(photos)
        for i, raw in enumerate(photos):
            with Image.open(io.BytesIO(raw)) as photo:
                canvas.paste(_cover_fit(photo, (slot, size[1])), (i * slot, 0))
    else:
        canvas = gradient(size, *palette)
        draw = ImageDraw.Draw(canvas, "RGBA")
        for n in range(6):  # shapes placed by the prompt, so prompts give different pictures
            x = (seed >> (n * 3)) % size[0]
            y = (seed >> (n * 4)) % size[1]
            r = 30 + (seed >> n) % (min(size) // 3)
            fill = (*_hex(palette[n % 2]), 140)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=fill, outline=(255, 255, 255, 90))
    canvas = apply_effect(canvas, effect, tint)
    if index:  # variations differ visibly
        canvas = canvas.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        canvas = ImageEnhance.Brightness(canvas).enhance(1 + 0.08 * index)
    _caption(canvas, [f"{app_name} #{index + 1}", prompt])
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def render_enhanced(photo: bytes) -> bytes:
    """Optimize: twice the size (at most 2048 px a side), sharpened."""
    with Image.open(io.BytesIO(photo)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
        scale = min(2.0, MAX_SIDE / max(image.size))
        image = image.resize((round(image.width * scale), round(image.height * scale)))
        image = image.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return buffer.getvalue()


@lru_cache(maxsize=128)
def render_asset(label: str, top: str, bottom: str, effect: str = "", size: int = 320) -> bytes:
    """Covers and style thumbnails: a gradient with the label, restyled like the style."""
    canvas = gradient((size, size), top, bottom)
    draw = ImageDraw.Draw(canvas)
    draw.ellipse([size * 0.3, size * 0.18, size * 0.7, size * 0.58], fill=_hex(bottom))
    draw.rounded_rectangle([size * 0.2, size * 0.6, size * 0.8, size], 40, fill=_hex(top))
    if effect:
        canvas = apply_effect(canvas, effect, bottom)
    _caption(canvas, [label])
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()
