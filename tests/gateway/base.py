"""Gateway tests: A1's own calls, sent over HTTP to the live portal's /open-api/v1/a1/."""

from __future__ import annotations

import requests

from tests.conftest import image_bytes
from tests.live import LivePortalTestCase


class GatewayTestCase(LivePortalTestCase):
    def a1(self, method: str, path: str, *, token=None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if token is not False:
            headers.setdefault("apiKey", token or self.token)
        return requests.request(
            method,
            self.url(f"/open-api/v1/a1{path}"),
            headers=headers,
            timeout=30,
            **kwargs,
        )

    def upload(self, token=None, **image) -> dict:
        content = image_bytes(size=image.pop("size", (300, 400)), **image)
        response = self.a1(
            "POST", "/images/upload", token=token, files={"file": ("face.jpg", content)}
        )
        body = response.json()
        assert body["code"] == 0, body
        return body["data"]


def envelope(response: requests.Response, code: int = 0, status: int = 200) -> dict:
    """A1's envelope, with the code and HTTP status expected."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "msg", "msg_cn", "data"}
    assert body["code"] == code, body
    return body
