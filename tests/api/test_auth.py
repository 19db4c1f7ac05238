"""Who may call the REST API: a key (Bearer), or a logged-in session with its CSRF token."""

from __future__ import annotations

import re

import requests

from generator.keys import services as keys
from tests.base import PASSWORD
from tests.live import ApiTestCase, assert_error_shape


class KeyAuthTests(ApiTestCase):
    def test_it_wants_a_key_or_a_session(self):
        body = assert_error_shape(self.api("GET", "/me", token=False), 401, "unauthorized")
        assert "Bearer" in body["message"]
        assert_error_shape(self.api("POST", "/runs", token=False, json={}), 401, "unauthorized")

    def test_it_refuses_a_key_it_does_not_know(self):
        assert_error_shape(self.api("GET", "/me", token="a1s_guess"), 401, "invalid_key")

    def test_it_stops_a_revoked_key_at_once(self):
        assert self.api("GET", "/me").status_code == 200
        keys.key_revoke(key=self.key, by=self.owner)
        assert_error_shape(self.api("GET", "/me"), 401, "invalid_key")

    def test_it_stops_the_keys_of_a_deactivated_user(self):
        self.owner.is_active = False
        self.owner.save(update_fields=["is_active"])
        assert_error_shape(self.api("GET", "/me"), 401, "invalid_key")

    def test_it_limits_each_key_to_a_burst_then_a_rate(self):
        with self.settings(API_RATE_BURST=3, API_RATE_PER_MINUTE=6):
            answers = [self.api("GET", "/me") for _ in range(4)]
            other = self.api("GET", "/me", token=self.key_for(self.teammate))
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        body = assert_error_shape(answers[-1], 429, "rate_limited")
        assert int(answers[-1].headers["Retry-After"]) == body["retry_after"] >= 1
        assert other.status_code == 200

    def test_it_notes_when_a_key_was_last_used(self):
        assert self.key.last_used_at is None
        self.api("GET", "/me")
        self.key.refresh_from_db()
        assert self.key.last_used_at is not None


class SessionAuthTests(ApiTestCase):
    def logged_in(self) -> tuple[requests.Session, str]:
        browser = requests.Session()
        page = browser.get(self.url("/accounts/login/"), timeout=10)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found is not None
        token = found.group(1)
        browser.post(
            self.url("/accounts/login/"),
            data={"username": "owner", "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.url("/accounts/login/")},
            timeout=10,
        )
        return browser, browser.cookies["csrftoken"]

    def test_it_lets_a_logged_in_person_read(self):
        browser, _csrf = self.logged_in()
        me = browser.get(self.url("/api/v1/me"), timeout=10).json()
        assert me["username"] == "owner" and me["key"] is None

    def test_it_enforces_csrf_on_a_sessions_unsafe_calls(self):
        browser, csrf = self.logged_in()
        refused = browser.post(self.url("/api/v1/runs/enhance"), json={}, timeout=10)
        assert_error_shape(refused, 403, "csrf_failed")
        allowed = browser.post(
            self.url("/api/v1/runs/enhance"),
            json={},
            headers={"X-CSRFToken": csrf, "Referer": self.url("/")},
            timeout=10,
        )
        assert_error_shape(allowed, 422, "invalid")  # past CSRF, on to the body
