"""The live portal: a real HTTP server thread wired to the sandbox, an API key for the
owner, and helpers for what scripts send (the REST API here, the gateway in
tests/gateway/base.py). Shared by the API, the gateway, keys' webhooks and the rules
that every path must keep."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import requests
from django.test import LiveServerTestCase
from django.utils import timezone

from generator.keys import services as keys
from generator.models import Run
from generator.runs import tracking
from tests.base import WATERCOLOR, PortalMixin, create_people
from tests.conftest import image_bytes

WATERCOLOR_RUN = {
    "app_id": WATERCOLOR,
    "texts": {"1838546335507165192": "red"},
    "style": "183854633550716522",
    "size": "6",
    "generate_num": 2,
}


class LivePortalTestCase(PortalMixin, LiveServerTestCase):
    """The four people, an API key for the owner, and `requests` against the portal."""

    def setUp(self):
        super().setUp()
        create_people(self)
        self.key, self.token = keys.key_create(user=self.owner, name="script")

    def session(self, token: str | Literal[False] | None = None) -> requests.Session:
        http = requests.Session()
        if token is not False:
            http.headers["Authorization"] = f"Bearer {token or self.token}"
        return http

    def key_for(self, user, **options) -> str:
        return keys.key_create(user=user, name=f"{user.username}'s script", **options)[1]

    def url(self, path: str) -> str:
        return f"{self.live_server_url}{path}"

    def finish(self, run_id, state="completed") -> Run:
        """A1 finishes the task; the worker's poll (driven here) copies the results."""
        run = Run.objects.get(pk=run_id)
        self.sandbox.finish(run.task_id, state)
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now() - timedelta(seconds=1))
        tracking.run_poll(run_id=run.pk)
        run.refresh_from_db()
        return run


class ApiTestCase(LivePortalTestCase):
    def api(self, method: str, path: str, *, token=None, **kwargs) -> requests.Response:
        return self.session(token).request(method, self.url(f"/api/v1{path}"), timeout=30, **kwargs)

    def upload(self, token=None, **image) -> str:
        response = self.api(
            "POST",
            "/uploads",
            token=token,
            files={"file": ("face.jpg", image_bytes(size=(300, 400), **image), "image/jpeg")},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def start_run(self, token=None, key: str = "", **overrides) -> requests.Response:
        body = {**WATERCOLOR_RUN, "photos": {"cnet_17466175263110005": self.upload(token)}}
        body.update(overrides)
        headers = {"Idempotency-Key": key} if key else {}
        return self.api("POST", "/runs", token=token, json=body, headers=headers)


def assert_error_shape(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert body["message"] and body["message_cn"]
    return body
