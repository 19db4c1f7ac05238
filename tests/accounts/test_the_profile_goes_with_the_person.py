"""The profile belongs to the person: single sign-on owns what it provides when passwords
are off (shown read-only, saying so), the data export carries it, and erasure takes it."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from accounts.models import Profile
from lifecycle import erasure, exports
from lifecycle.models import DataExport
from tests.base import BaseTestCase


def save(client, **changes):
    data = {"email": "", "display_name": "", "time_zone": "UTC", "language": "", **changes}
    return client.post("/accounts/profile/", data)


class SingleSignOnOwnsTests(BaseTestCase):
    @pytest.fixture(autouse=True)
    def _passwords_off(self, settings):
        # Only for the test that asks for it (by name): the other keeps passwords on.
        if "passwords_off" in self._testMethodName:
            settings.LOCAL_ACCOUNTS = False
            settings.SSO_ENABLED = True
            settings.SSO_NAME = "Okta"

    def test_with_passwords_off_the_providers_name_and_address_are_read_only(self):
        self.owner.email, self.owner.first_name, self.owner.last_name = (
            "o@corp.example",
            "Olive",
            "Oak",
        )
        self.owner.save()
        self.login(self.owner)
        page = self.client.get("/accounts/profile/").content.decode()
        assert "Your name comes from Okta: change it there." in page
        assert "Your email address comes from Okta" in page
        assert page.count(" disabled") >= 2
        assert "Log out (Olive Oak)" in page
        # A forged post changes neither; the zone and language stay the person's own.
        response = save(
            self.client, email="x@evil.example", display_name="Mallory", time_zone="Asia/Tokyo"
        )
        assert response.status_code == 302
        self.owner.refresh_from_db()
        assert self.owner.email == "o@corp.example"
        profile = Profile.objects.get(user=self.owner)
        assert profile.display_name == "Olive Oak" and profile.time_zone == "Asia/Tokyo"
        assert "Log out (Olive Oak)" in self.client.get("/apps/").content.decode()

    def test_with_passwords_on_the_name_is_the_persons_to_choose(self):
        self.login(self.owner)
        save(self.client, display_name="Olive")
        page = self.client.get("/accounts/profile/").content.decode()
        assert "comes from" not in page and 'value="Olive"' in page


class ProfileLifecycleTests(BaseTestCase):
    def test_the_data_export_carries_the_profile(self):
        self.login(self.owner)
        save(self.client, display_name="Olive", time_zone="Asia/Taipei", language="zh-hant")
        self.client.post("/account/export/")
        exports.build_exports.call()
        export = DataExport.objects.get()
        response = self.client.get(f"/account/exports/{export.id}/")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        account = json.loads(archive.read("account.json"))
        assert account["profile"] == {
            "display_name": "Olive",
            "time_zone": "Asia/Taipei",
            "interface_language": "zh-hant",
        }

    def test_a_person_who_chose_nothing_has_no_profile_in_the_export(self):
        self.login(self.teammate)
        self.client.post("/account/export/")
        exports.build_exports.call()
        export = DataExport.objects.get()
        with export.file.open("rb") as fh:
            account = json.loads(zipfile.ZipFile(fh).read("account.json"))
        assert account["profile"] is None

    def test_erasure_takes_the_profile(self):
        self.login(self.teammate)
        save(self.client, display_name="Tess", time_zone="Asia/Tokyo", language="ja")
        assert Profile.objects.filter(user=self.teammate).exists()
        erasure.user_erase(user=self.teammate)
        assert not Profile.objects.filter(display_name="Tess").exists()
        assert not Profile.objects.filter(user_id=self.teammate.pk).exists()
