"""/account/keys/: create a key (shown once), change it, see its use, revoke it."""

from __future__ import annotations

import re

from generator.keys import services as keys
from generator.models import ApiKey
from tests.base import BaseTestCase


class KeysPageTests(BaseTestCase):
    def setUp(self):
        self.login()

    def test_it_shows_a_new_key_once_and_keeps_only_its_digest(self):
        response = self.client.post("/account/keys/", {"name": "nightly", "monthly_points": "50"})
        assert response.status_code == 302
        page = self.client.get("/account/keys/").content.decode()
        token = re.search(r'value="(a1s_[^"]+)"', page).group(1)
        key = ApiKey.objects.get()
        assert key.user == self.owner and key.monthly_points == 50
        assert token not in str(key.__dict__) and key.prefix == token[:12]
        assert keys.key_authenticate(token=token) == key
        again = self.client.get("/account/keys/").content.decode()
        assert token not in again and f"{key.prefix}…" in again

    def test_it_re_renders_a_bad_form_with_its_message(self):
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=False):
            response = self.client.post(
                "/account/keys/", {"name": "", "webhook_url": "http://127.0.0.1:9/hook"}
            )
        assert response.status_code == 200
        assert b"This field is required." in response.content
        assert b"give a public http(s) address" in response.content
        assert ApiKey.objects.count() == 0

    def test_it_changes_a_key_and_gives_its_webhook_a_secret(self):
        key, _token = keys.key_create(user=self.owner, name="old")
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=True):
            response = self.client.post(
                f"/account/keys/{key.pk}/",
                {f"key{key.pk}-name": "new", f"key{key.pk}-webhook_url": "http://127.0.0.1:9/h"},
            )
        assert response.status_code == 302
        key.refresh_from_db()
        assert key.name == "new" and key.webhook_url and len(key.webhook_secret) == 64

    def test_it_revokes_a_key_for_good(self):
        key, token = keys.key_create(user=self.owner, name="ci")
        assert self.client.post(f"/account/keys/{key.pk}/revoke/").status_code == 302
        key.refresh_from_db()
        assert key.revoked_at and key.revoked_by == self.owner
        assert "Revoked" in self.client.get("/account/keys/").content.decode()
        with self.assertRaises(keys.KeyRefused):
            keys.key_authenticate(token=token)

    def test_it_keeps_other_peoples_keys_out_of_reach(self):
        theirs, _token = keys.key_create(user=self.outsider, name="theirs")
        assert self.client.post(f"/account/keys/{theirs.pk}/revoke/").status_code == 404
        assert self.client.post(f"/account/keys/{theirs.pk}/", {}).status_code == 404
        assert b"theirs" not in self.client.get("/account/keys/").content
        theirs.refresh_from_db()
        assert theirs.revoked_at is None

    def test_it_wants_a_log_in(self):
        self.client.logout()
        assert self.client.get("/account/keys/").status_code == 302
