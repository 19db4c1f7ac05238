"""Staff revoke any key in the admin; keys cannot be deleted there."""

from __future__ import annotations

from generator.keys import services as keys
from generator.models import ApiKey
from tests.base import BaseTestCase


class AdminKeyTests(BaseTestCase):
    def test_it_lets_staff_revoke_anyones_key(self):
        key, token = keys.key_create(user=self.outsider, name="leaked")
        self.login(self.staff)
        response = self.client.post(
            "/admin/generator/apikey/",
            {"action": "revoke", "_selected_action": [key.pk]},
        )
        assert response.status_code == 302
        key.refresh_from_db()
        assert key.revoked_at and key.revoked_by == self.staff
        with self.assertRaises(keys.KeyRefused):
            keys.key_authenticate(token=token)

    def test_it_never_shows_the_digest_and_never_deletes(self):
        key, _token = keys.key_create(user=self.owner, name="ci")
        self.login(self.staff)
        page = self.client.get(f"/admin/generator/apikey/{key.pk}/change/")
        assert page.status_code == 200 and key.digest.encode() not in page.content
        assert self.client.get(f"/admin/generator/apikey/{key.pk}/delete/").status_code == 403
        assert ApiKey.objects.filter(pk=key.pk).exists()

    def test_it_saves_what_staff_change_on_a_key(self):
        key, _token = keys.key_create(user=self.owner, name="ci")
        self.login(self.staff)
        response = self.client.post(
            f"/admin/generator/apikey/{key.pk}/change/",
            {"name": "nightly posters", "monthly_points": "50", "webhook_url": ""},
        )
        assert response.status_code == 302
        key.refresh_from_db()
        assert (key.name, key.monthly_points) == ("nightly posters", 50)
