"""Signed, time-limited links to our kept images, for the gateway's answers.

A1's scripts download result links with a plain GET and no headers, so the link itself
carries the permission: which image, for which key, signed with SECRET_KEY and valid
GATEWAY_LINK_SECONDS. Opening one checks the key is still active and its owner may
still see the image and it may still leave the portal (runs hidden by staff or in the
trash take their links with them, whoever owns the key: access.shown_or_404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse

SALT = "a1studio.gateway.file"
RESULT, PHOTO = "r", "i"


@dataclass(frozen=True)
class Link:
    kind: str
    image_id: str
    key_id: int


def link_for(request: HttpRequest, *, kind: str, image, key_id: int) -> str:
    token = signing.dumps({"k": kind, "i": str(image.pk), "a": key_id}, salt=SALT, compress=True)
    suffix = image.file.name.rsplit(".", 1)[-1].lower() if image.file else "jpg"
    path = reverse("gateway_file", args=[token, f"{kind}{image.pk.hex[:8]}.{suffix}"])
    return request.build_absolute_uri(path)


def link_open(token: str) -> Link:
    """The link's content; raises signing.BadSignature (SignatureExpired when too old)."""
    data = signing.loads(token, salt=SALT, max_age=settings.GATEWAY_LINK_SECONDS)
    return Link(str(data["k"]), str(data["i"]), int(data["a"]))
