"""/staff/audit/ and /team/<id>/audit/: staff read all of the log, a team's managers
their team's part, filtered and exported; nobody changes or deletes an entry."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Profile
from generator.audit.models import Act, AuditEntry
from generator.keys import services as keys
from generator.models import Membership
from generator.teams import services as teams
from lifecycle import erasure
from tests.base import TrackingTestCase


class AuditPageTests(TrackingTestCase):
    def setUp(self):
        super().setUp()
        self.login(self.owner)
        self.client.post(f"/team/{self.team.pk}/invite/")  # Studio's part
        self.client.post("/account/keys/", {"name": "=1+2"})  # nobody's team
        membership = Membership.objects.get(team=self.team, user=self.teammate)
        self.client.post(f"/team/{self.team.pk}/members/{membership.pk}/role/", {"role": "manager"})
        keys.key_create(user=self.outsider, name="elsewhere")  # by the system (a command)

    def acts(self, url: str) -> list[str]:
        response = self.client.get(url)
        assert response.status_code == 200
        return [entry.act for entry in response.context["entries"]]

    def text(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    def test_it_shows_staff_every_entry_and_filters_them(self):
        self.login(self.staff)
        page = self.text("/staff/audit/")
        assert "Invite made" in page and "Role changed" in page and "owner" in page
        assert self.acts("/staff/audit/") == [
            Act.KEY_CREATED,
            Act.ROLE_CHANGED,
            Act.KEY_CREATED,
            Act.INVITE_CREATED,
        ]
        assert self.acts("/staff/audit/?person=outsider") == [Act.KEY_CREATED]
        assert self.acts("/staff/audit/?person=teammate") == [Act.ROLE_CHANGED]  # whom
        by_team = self.acts(f"/staff/audit/?team={self.team.pk}")
        assert by_team == [Act.ROLE_CHANGED, Act.INVITE_CREATED]
        assert self.acts(f"/staff/audit/?act={Act.ROLE_CHANGED}") == [Act.ROLE_CHANGED]
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        assert self.acts(f"/staff/audit/?start={tomorrow}") == []
        assert "Nothing matches" in self.text(f"/staff/audit/?start={tomorrow}")
        reversed_dates = self.text(f"/staff/audit/?start={tomorrow}&end=2020-01-01")
        assert "The first date is after the second" in reversed_dates

    def test_it_says_each_entrys_time_in_the_readers_zone_with_the_zone(self):
        # A log is read to the minute ("who changed it at 09:50?"): a bare clock time
        # on a page read in Tokyo about acts done from London would be misread.
        Profile.objects.create(user=self.staff, time_zone="Asia/Tokyo", language="ja")
        AuditEntry.objects.update(at=datetime(2026, 12, 8, 0, 50, tzinfo=UTC))
        self.login(self.staff)
        page = self.text("/staff/audit/")
        assert '<time datetime="2026-12-08T09:50:00+09:00">2026年12月8日 09:50 JST</time>' in page

    def test_it_exports_what_is_shown_as_csv_and_json_lines(self):
        self.login(self.staff)
        response = self.client.get(f"/staff/audit/export.csv?team={self.team.pk}")
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert {row["act"] for row in rows} == {Act.INVITE_CREATED, Act.ROLE_CHANGED}
        assert all(row["team"] == "Studio" and row["actor"] == "owner" for row in rows)
        role = next(row for row in rows if row["act"] == Act.ROLE_CHANGED)
        assert json.loads(role["after"]) == {"role": "manager"}
        every = self.client.get("/staff/audit/export.jsonl")
        lines = [json.loads(line) for line in b"".join(every.streaming_content).splitlines()]
        assert len(lines) == AuditEntry.objects.count() == 4
        made = next(line for line in lines if line["act"] == Act.KEY_CREATED and line["actor"])
        assert made["after"]["name"] == "=1+2"  # JSON keeps it as it is
        # A name a spreadsheet would run as a formula is shown, never run.
        risky = get_user_model().objects.create_user("@risky", password="x")
        self.client.force_login(risky)
        self.client.post("/account/keys/", {"name": "k"})
        self.login(self.staff)
        exported = b"".join(self.client.get("/staff/audit/export.csv").streaming_content)
        actors = [row["actor"] for row in csv.DictReader(io.StringIO(exported.decode()))]
        assert "'@risky" in actors and "@risky" not in actors

    def test_a_manager_reads_their_teams_part_and_nobody_else_does(self):
        assert self.acts(f"/team/{self.team.pk}/audit/") == [Act.ROLE_CHANGED, Act.INVITE_CREATED]
        assert f'href="/team/{self.team.pk}/audit/"' in self.text("/team/")
        exported = b"".join(
            self.client.get(f"/team/{self.team.pk}/audit/export.jsonl").streaming_content
        )
        assert {json.loads(line)["team"] for line in exported.splitlines()} == {"Studio"}
        # The team is the page's, whatever the address asks for.
        assert self.acts(f"/team/{self.team.pk}/audit/?team={self.other_team.pk}") == [
            Act.ROLE_CHANGED,
            Act.INVITE_CREATED,
        ]
        assert self.client.get(f"/team/{self.other_team.pk}/audit/").status_code == 404
        assert self.client.get("/staff/audit/").status_code == 302  # staff only: to log-in
        self.login(self.outsider)  # a member of the other team, not a manager of Studio
        assert self.client.get(f"/team/{self.team.pk}/audit/").status_code == 404
        assert self.client.get(f"/team/{self.team.pk}/audit/export.csv").status_code == 404

    def test_nobody_changes_or_deletes_an_entry_through_the_portal(self):
        self.login(self.staff)
        entry = AuditEntry.objects.first()
        assert entry is not None
        change = f"/admin/generator/auditentry/{entry.pk}/change/"
        assert self.client.get(change).status_code == 200  # staff can read it there
        assert (
            self.client.post(change, {"act": Act.KEY_CREATED, "actor_name": "x"}).status_code == 403
        )
        delete = f"/admin/generator/auditentry/{entry.pk}/delete/"
        assert self.client.post(delete, {"post": "yes"}).status_code == 403
        assert self.client.get("/admin/generator/auditentry/add/").status_code == 403
        bulk = self.client.post(
            "/admin/generator/auditentry/",
            {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
        entry.refresh_from_db()
        assert AuditEntry.objects.count() == 4 and entry.actor_name != "x"


class ErasureTests(TrackingTestCase):
    def test_erasure_keeps_the_entries_with_a_stable_pseudonym_and_names_nobody(self):
        self.login(self.teammate)
        key, _token = keys.key_create(user=self.teammate, name="Mika's laptop")
        self.client.post(f"/account/keys/{key.pk}/revoke/")
        teams.invite_create(team=self.team, by=self.owner)
        membership = Membership.objects.get(team=self.team, user=self.teammate)
        self.login(self.owner)
        self.client.post(f"/team/{self.team.pk}/members/{membership.pk}/role/", {"role": "manager"})
        before = AuditEntry.objects.count()
        self.login(self.teammate)
        response = self.client.post("/account/delete/", {"username": "teammate"})
        assert response.status_code == 302
        entries = list(AuditEntry.objects.all())
        assert len(entries) >= before + 1
        named = [
            {k: v for k, v in e.__dict__.items() if k != "_state"}
            for e in entries
            if "teammate" in str(e.__dict__) or "laptop" in str(e.__dict__)
        ]
        assert not named, str(named)
        names = {e.actor_name for e in entries if e.act in (Act.KEY_REVOKED,)}
        names |= {e.subject_name for e in entries if e.act == Act.ROLE_CHANGED}
        assert len(names) == 1 and names.pop().startswith("person-")  # one stable name
        erased = AuditEntry.objects.get(act=Act.PERSON_ERASED)
        assert erased.actor_name == erased.subject_name and erased.actor is None
        assert erased.after["removed"]  # what was erased, counted
        revoked = AuditEntry.objects.get(act=Act.KEY_REVOKED)
        assert revoked.address is None and revoked.target == "(erased)"
        role = AuditEntry.objects.get(act=Act.ROLE_CHANGED)  # what changed stays readable
        assert (role.before, role.after) == ({"role": "member"}, {"role": "manager"})
        made = AuditEntry.objects.get(act=Act.KEY_CREATED)
        assert made.after == {"name": "(erased)", "monthly_points": None, "webhook_url": ""}
        # The manager's own entries keep their name.
        assert AuditEntry.objects.filter(act=Act.ROLE_CHANGED, actor_name="owner").exists()

    def test_staff_erasing_someone_are_named_the_person_is_not(self):
        erasure.user_erase(user=self.outsider, by=self.staff)
        erased = AuditEntry.objects.get(act=Act.PERSON_ERASED)
        assert erased.actor == self.staff and erased.subject_name.startswith("person-")
