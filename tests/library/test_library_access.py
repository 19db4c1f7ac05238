"""Who sees and changes a library and its presets: the team sees, its managers change,
staff do both, everyone else gets a 404 (the same answer as for an id that is not there)."""

import uuid

from django.test import Client

from library.models import LibraryEntry, Preset
from tests.base import WATERCOLOR, TrackingTestCase
from tests.library.base import POSTER, LibraryMixin, PresetMixin


class LibraryAccessTests(PresetMixin, LibraryMixin, TrackingTestCase):
    def setUp(self):
        self.login(self.owner)  # a manager of Studio
        assert self.add(WATERCOLOR).status_code == 302
        assert self.add(POSTER, library="personal").status_code == 302
        self.team_entry = self.entry(WATERCOLOR)
        self.own_entry = self.entry(POSTER, owner=self.owner)
        self.edit(self.team_entry, note="for the team")
        self.save_preset(name="Team preset", team=self.team)
        self.save_preset(name="Mine")
        self.team_preset, self.own_preset = self.saved("Team preset"), self.saved("Mine")
        self.client.logout()

    def as_user(self, user):
        self.client.logout()
        if user is not None:
            self.client.force_login(user)

    def entry_urls(self, entry):
        return [
            ("get", f"/apps/library/{entry.pk}/", {}),
            ("post", f"/apps/library/{entry.pk}/", {"note": "changed", "tags": "", "title": ""}),
            ("post", f"/apps/library/{entry.pk}/pin/", {"action": "pin"}),
            ("post", f"/apps/library/{entry.pk}/remove/", {}),
        ]

    def statuses(self, user, urls) -> list[int]:
        self.as_user(user)
        return [getattr(self.client, method)(url, data).status_code for method, url, data in urls]

    def test_an_outsider_gets_404_for_a_teams_library_entries_and_presets(self):
        self.as_user(self.outsider)
        assert self.client.get("/apps/", {"library": self.team.pk}).status_code == 404
        assert self.statuses(self.outsider, self.entry_urls(self.team_entry)) == [404] * 4
        assert self.client.get(self.team_preset.get_absolute_url()).status_code == 404
        assert self.client.post(f"/presets/{self.team_preset.pk}/delete/").status_code == 404
        assert "for the team" not in self.library_html("all")
        self.team_entry.refresh_from_db()
        assert self.team_entry.note == "for the team" and self.team_entry.position is None

    def test_a_member_uses_the_teams_library_and_presets_but_cannot_change_them(self):
        self.as_user(self.teammate)
        html = self.library_html()
        assert "for the team" in html and "Team preset" in html
        assert f"/apps/library/{self.team_entry.pk}/" not in html  # no edit controls
        assert "Add apps to" not in html
        assert self.client.get(self.team_preset.get_absolute_url()).status_code == 200
        assert self.statuses(self.teammate, self.entry_urls(self.team_entry)) == [404] * 4
        assert self.add(POSTER).status_code == 404
        assert self.client.post(f"/presets/{self.team_preset.pk}/delete/").status_code == 404
        key = self.form_key(self.client.get(self.team_preset.get_absolute_url()))
        update = self.client.post(
            f"/apps/{WATERCOLOR}/presets/{self.team_preset.pk}/",
            self.watercolor_post(key, cnet_17466175263110005=None),
        )
        assert update.status_code == 404
        assert LibraryEntry.objects.filter(team=self.team).count() == 1
        assert Preset.objects.filter(pk=self.team_preset.pk).exists()

    def test_personal_libraries_and_presets_are_their_owners_alone(self):
        self.as_user(self.teammate)
        assert self.statuses(self.teammate, self.entry_urls(self.own_entry)) == [404] * 4
        assert self.client.get(self.own_preset.get_absolute_url()).status_code == 404
        assert "Poster from words" not in self.library_html("personal")
        assert "Mine" not in self.form_page().content.decode()

    def test_a_manager_changes_the_teams_library_and_presets(self):
        self.as_user(self.owner)
        assert self.statuses(self.owner, self.entry_urls(self.team_entry)[:3]) == [200, 302, 302]
        self.team_entry.refresh_from_db()
        assert self.team_entry.note == "changed" and self.team_entry.position == 1
        assert self.client.post(f"/apps/library/{self.team_entry.pk}/remove/").status_code == 302
        assert not LibraryEntry.objects.filter(team=self.team).exists()
        assert self.client.post(f"/presets/{self.team_preset.pk}/delete/").status_code == 302
        assert not Preset.objects.filter(pk=self.team_preset.pk).exists()

    def test_staff_see_and_change_any_library(self):
        self.as_user(self.staff)
        assert "for the team" in self.library_html()
        assert self.statuses(self.staff, self.entry_urls(self.team_entry)[:3]) == [200, 302, 302]
        assert self.add(POSTER).status_code == 302

    def test_ids_that_are_not_there_answer_404(self):
        self.as_user(self.owner)
        assert self.client.get(f"/apps/library/{uuid.uuid4()}/").status_code == 404
        assert self.client.get("/apps/", {"library": "99999"}).status_code == 404
        assert self.client.get("/apps/", {"library": "nope"}).status_code == 404
        assert self.client.get(f"/apps/{WATERCOLOR}/?preset={uuid.uuid4()}").status_code == 404
        assert self.client.get(f"/apps/{WATERCOLOR}/?preset=12").status_code == 404
        other_app = f"/apps/{POSTER}/?preset={self.own_preset.pk}"
        assert self.client.get(other_app).status_code == 404

    def test_every_change_needs_its_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.owner)
        assert client.post(f"/apps/library/{self.team_entry.pk}/remove/").status_code == 403
        assert client.post("/apps/library/add/", {"apps": POSTER}).status_code == 403
        assert client.post(f"/presets/{self.own_preset.pk}/delete/").status_code == 403

    def test_a_logged_out_visitor_is_sent_to_log_in(self):
        self.as_user(None)
        for url in ("/apps/", f"/apps/library/{self.team_entry.pk}/"):
            response = self.client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
