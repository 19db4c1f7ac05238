"""Photos in any common shape become what A1 accepts, and the user is told what changed."""

import io

import pytest
from PIL import Image

from common.images import ImageRejected, normalise
from tests.conftest import image_bytes, iphone_heic


def encode(image: Image.Image, fmt: str, **save) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def test_it_passes_a_small_jpeg_through_untouched():
    content = image_bytes("JPEG", size=(640, 480))
    result = normalise(content)
    assert result.content == content and result.format == "JPEG" and result.notes == []


def test_it_accepts_exactly_2048_pixels():
    result = normalise(image_bytes("PNG", size=(2048, 2048)))
    assert (result.width, result.height) == (2048, 2048) and result.notes == []


def test_it_scales_down_2049_pixels_and_says_so():
    result = normalise(image_bytes("PNG", size=(2049, 1000)))
    assert result.width == 2048 and "Scaled down from 2049×1000" in " ".join(result.notes)


def test_it_scales_a_large_jpeg_decoded_at_half_size_to_exactly_2048():
    # 4096 wide decodes (draft mode) straight to 2048: it must still be re-encoded small.
    content = image_bytes("JPEG", size=(4096, 3072))
    result = normalise(content)
    assert (result.width, result.height) == (2048, 1536) and result.content != content
    assert Image.open(io.BytesIO(result.content)).size == (2048, 1536)
    assert "Scaled down from 4096×3072 to 2048×1536." in result.notes


def test_it_reports_the_full_size_of_a_large_rotated_jpeg():
    image = Image.new("RGB", (6000, 4000), "teal")
    exif = image.getexif()
    exif[0x0112] = 6  # stored sideways: the photo is 4000 wide, 6000 high
    result = normalise(encode(image, "JPEG", exif=exif))
    assert (result.width, result.height) == (1365, 2048)
    assert "Scaled down from 4000×6000 to 1365×2048." in result.notes


@pytest.mark.parametrize("fmt", ["WEBP", "GIF", "BMP", "TIFF"])
def test_it_converts_other_formats(fmt):
    result = normalise(image_bytes(fmt, size=(100, 80)))
    assert result.format in {"JPEG", "PNG"}
    assert f"Converted from {fmt}" in " ".join(result.notes)
    assert Image.open(io.BytesIO(result.content)).format == result.format


def test_it_rotates_exif_oriented_photos():
    image = Image.new("RGB", (400, 200), "red")
    exif = image.getexif()
    exif[0x0112] = 6  # rotated 90° clockwise
    result = normalise(encode(image, "JPEG", exif=exif))
    assert (result.width, result.height) == (200, 400)
    assert any("Rotated" in note for note in result.notes)


def test_it_converts_an_iphone_heic_photo_upright_and_says_so():
    content = iphone_heic(size=(400, 300), orientation=6)
    assert content[4:12] == b"ftypheic"
    result = normalise(content)
    assert result.notes == ["Converted from HEIF.", "Rotated to match the camera's orientation."]
    stored = Image.open(io.BytesIO(result.content))
    assert stored.format == result.format == "JPEG"
    upright = stored.convert("RGB")
    assert (result.width, result.height) == upright.size == (300, 400)
    red, blue = upright.getpixel((250, 200)), upright.getpixel((50, 200))
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]  # turned clockwise, not flipped


def test_it_converts_cmyk_and_16_bit_images():
    cmyk = normalise(encode(Image.new("CMYK", (50, 50), (0, 255, 255, 0)), "JPEG"))
    assert Image.open(io.BytesIO(cmyk.content)).mode == "RGB"
    grey16 = normalise(encode(Image.new("I;16", (50, 50), 40000), "PNG"))
    assert Image.open(io.BytesIO(grey16.content)).mode in {"L", "RGB"}


def test_it_takes_the_first_frame_of_an_animation():
    frames = [Image.new("RGB", (40, 40), c) for c in ("red", "blue")]
    content = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    result = normalise(content)
    assert any("first frame" in note for note in result.notes)


def test_it_keeps_transparency_as_png():
    result = normalise(encode(Image.new("RGBA", (3000, 100), (0, 0, 0, 0)), "PNG"))
    assert result.format == "PNG" and result.width == 2048


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"<svg onload=alert(1)>", "not an image"),
        (b"%PDF-1.7", "not an image"),
        (image_bytes("JPEG", size=(600, 600))[:200], "could not be read"),
    ],
)
def test_it_rejects_what_is_not_a_usable_image(content, message):
    with pytest.raises(ImageRejected) as caught:
        normalise(content)
    assert message in str(caught.value)


def test_it_rejects_a_truncated_photo():
    content = encode(Image.effect_noise((400, 400), 60).convert("RGB"), "JPEG")
    with pytest.raises(ImageRejected) as caught:
        normalise(content[: len(content) // 2])
    assert "damaged" in str(caught.value)


def test_it_rejects_a_decompression_bomb_cheaply():
    bomb = encode(Image.new("1", (20000, 20000)), "PNG")
    with pytest.raises(ImageRejected) as caught:
        normalise(bomb)
    assert "too large to process" in str(caught.value)


def test_it_rejects_files_over_25_mb_before_decoding():
    with pytest.raises(ImageRejected):
        normalise(b"\xff\xd8\xff" + b"\0" * (25 * 1024 * 1024))
