"""Result images are real pictures that show what the user asked for."""

import io
from typing import Any

from PIL import Image, ImageChops

from sandbox.images import render_result
from tests.conftest import image_bytes


def render(**overrides) -> Image.Image:
    params: dict[str, Any] = {
        "app_name": "Watercolor portrait",
        "palette": ("#7dd3fc", "#f9a8d4"),
        "photos": [image_bytes(size=(300, 400), color="orange")],
        "prompt": "red hair",
        "effect": "soft",
        "tint": "#f9c5d1",
        "size_id": "1",
        "index": 0,
    } | overrides
    return Image.open(io.BytesIO(render_result(**params)))


def differs(a: Image.Image, b: Image.Image) -> bool:
    return a.size != b.size or ImageChops.difference(a, b).getbbox() is not None


def test_it_draws_each_aspect_ratio():
    ratios = {"1": 1, "2": 3 / 4, "3": 1 / 2, "4": 4 / 3, "5": 2, "6": 16 / 9, "7": 9 / 16}
    for size_id, ratio in ratios.items():
        image = render(size_id=size_id)
        assert abs(image.width / image.height - ratio) < 0.01


def test_it_looks_different_per_style_prompt_photo_and_variation():
    base = render()
    assert differs(base, render(effect="ink"))
    assert differs(base, render(prompt="blue hair"))
    assert differs(base, render(photos=[image_bytes(size=(300, 400), color="navy")]))
    assert differs(base, render(index=1))


def test_it_keeps_the_photo_colours_visible():
    image = render(effect="vivid", prompt="")
    r, _, b = image.convert("RGB").getpixel((image.width // 2, image.height // 4))
    assert r > 200 and b < 100  # still orange
