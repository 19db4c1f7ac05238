"""The gateway's apiKey header: missing, wrong, revoked, rate limited; and its links."""

from __future__ import annotations

import requests
from django.core import signing

from a1 import Code
from gateway.links import SALT
from generator.keys import services as keys
from tests.base import WATERCOLOR
from tests.gateway.base import GatewayTestCase, envelope


class KeyTests(GatewayTestCase):
    def test_it_answers_paths_a1_does_not_have_in_a1s_envelope(self):
        envelope(self.a1("GET", "/images/list"), Code.INVALID_PARAMS, status=404)

    def test_it_answers_10410_without_a_key(self):
        envelope(self.a1("GET", f"/apps/{WATERCOLOR}", token=False), Code.MISSING_API_KEY)

    def test_it_answers_10411_for_a_key_it_does_not_know(self):
        body = envelope(
            self.a1("GET", f"/apps/{WATERCOLOR}", token="a1s_guess"), Code.INVALID_API_KEY
        )
        assert body["msg"] == "Invalid API key" and body["msg_cn"] == "无效的API key"

    def test_it_does_not_take_the_paid_a1_key(self):
        envelope(self.a1("GET", f"/apps/{WATERCOLOR}", token="sandbox"), Code.INVALID_API_KEY)
        assert self.sandbox.calls("app") == 0

    def test_it_stops_a_revoked_key_at_once(self):
        envelope(self.a1("GET", f"/apps/{WATERCOLOR}"))
        keys.key_revoke(key=self.key, by=self.owner)
        envelope(self.a1("GET", f"/apps/{WATERCOLOR}"), Code.INVALID_API_KEY)

    def test_it_answers_20000_with_retry_after_past_the_burst(self):
        with self.settings(API_RATE_BURST=3, API_RATE_PER_MINUTE=6):
            for _ in range(3):
                envelope(self.a1("GET", "/tasks/1"), Code.INVALID_PARAMS)
            limited = self.a1("GET", "/tasks/1")
        envelope(limited, Code.RATE_LIMITED, status=429)
        assert int(limited.headers["Retry-After"]) >= 1
        other = self.key_for(self.teammate)  # the limit is per key
        envelope(self.a1("GET", "/tasks/1", token=other), Code.INVALID_PARAMS)


class LinkTests(GatewayTestCase):
    def test_it_serves_an_upload_behind_its_signed_link_without_a_header(self):
        link = self.upload()["imageUrl"]
        assert requests.get(link, timeout=10).status_code == 200

    def test_it_refuses_a_tampered_or_expired_link(self):
        link = self.upload()["imageUrl"]
        token = link.split("/files/")[1].split("/")[0]
        tampered = link.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
        assert requests.get(tampered, timeout=10).status_code == 404
        with self.settings(GATEWAY_LINK_SECONDS=-1):
            assert requests.get(link, timeout=10).status_code == 404

    def test_it_stops_links_when_their_key_is_revoked(self):
        link = self.upload()["imageUrl"]
        keys.key_revoke(key=self.key, by=self.staff)
        assert requests.get(link, timeout=10).status_code == 404

    def test_it_signs_what_it_links(self):
        link = self.upload()["imageUrl"]
        token = link.split("/files/")[1].split("/")[0]
        data = signing.loads(token, salt=SALT)
        assert data["a"] == self.key.pk and data["k"] == "i"
