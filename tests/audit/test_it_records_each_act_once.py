"""Every act that changes money, access or data leaves one audit entry, with who did it,
from where and what changed, whichever surface did it (page, admin, REST API)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from accounts.sso_accounts import sso_account_resolve
from generator.audit.models import Act, AuditEntry
from generator.keys import services as keys
from generator.models import ApiKey, Budget, Invite, Membership, Run
from generator.teams import services as teams
from lifecycle import exports
from lifecycle.retention import retention_sweep
from tests.base import TrackingTestCase, admin_post_data
from tests.live import ApiTestCase


def only(act: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(act=act))
    assert len(entries) == 1, [str(e) for e in entries]
    return entries[0]


class KeyActsTests(TrackingTestCase):
    def test_it_records_a_key_made_changed_and_revoked_from_its_page(self):
        self.login(self.owner)
        self.client.post("/account/keys/", {"name": "nightly", "monthly_points": "50"})
        key = ApiKey.objects.get()
        made = only(Act.KEY_CREATED)
        assert (made.actor, made.actor_name, made.via, made.address) == (
            self.owner,
            "owner",
            "page",
            "127.0.0.1",
        )
        assert made.subject == self.owner and key.prefix in made.target
        assert made.after == {"name": "nightly", "monthly_points": 50, "webhook_url": ""}
        self.client.post(
            f"/account/keys/{key.pk}/",
            {f"key{key.pk}-name": "nightly", f"key{key.pk}-monthly_points": "80"},
        )
        changed = only(Act.KEY_CHANGED)
        assert (changed.before, changed.after) == ({"monthly_points": 50}, {"monthly_points": 80})
        self.client.post(f"/account/keys/{key.pk}/revoke/")
        self.client.post(f"/account/keys/{key.pk}/revoke/")  # a second press changes nothing
        revoked = only(Act.KEY_REVOKED)
        assert revoked.actor == self.owner and revoked.subject == self.owner
        key.refresh_from_db()
        # Neither the secret nor the webhook's secret is ever written to the log.
        for entry in AuditEntry.objects.all():
            assert key.digest not in str(entry.__dict__)

    def test_it_records_staff_changing_and_revoking_a_key_in_the_admin(self):
        key, _token = keys.key_create(user=self.owner, name="ci", monthly_points=10)
        self.login(self.staff)
        url = f"/admin/generator/apikey/{key.pk}/change/"
        data = admin_post_data(self.client.get(url)) | {"monthly_points": "25"}
        assert self.client.post(url, data).status_code == 302
        changed = only(Act.KEY_CHANGED)
        assert (changed.actor, changed.via) == (self.staff, "admin")
        assert (changed.before, changed.after) == ({"monthly_points": 10}, {"monthly_points": 25})
        self.client.post(
            "/admin/generator/apikey/",
            {"action": "revoke", "_selected_action": [key.pk]},
        )
        revoked = only(Act.KEY_REVOKED)
        assert (revoked.actor, revoked.subject, revoked.via) == (self.staff, self.owner, "admin")


class BudgetActsTests(TrackingTestCase):
    def test_it_records_a_budget_set_changed_and_removed_by_staff(self):
        self.login(self.staff)
        add = "/admin/generator/budget/add/"
        added = self.client.post(add, {"team": self.team.pk, "monthly_points": "100"})
        assert added.status_code == 302
        budget = Budget.objects.get()
        entry = only(Act.BUDGET_SET)
        assert (entry.actor, entry.team, entry.team_name) == (self.staff, self.team, "Studio")
        assert entry.after == {"monthly_points": 100, "team": self.team.pk, "user": None}
        url = f"/admin/generator/budget/{budget.pk}/change/"
        data = admin_post_data(self.client.get(url)) | {"monthly_points": "60"}
        self.client.post(url, data)
        changed = only(Act.BUDGET_CHANGED)
        assert (changed.before, changed.after) == ({"monthly_points": 100}, {"monthly_points": 60})
        self.client.post(f"/admin/generator/budget/{budget.pk}/delete/", {"post": "yes"})
        removed = only(Act.BUDGET_REMOVED)
        assert removed.before["monthly_points"] == 60 and removed.team_name == "Studio"


class TeamActsTests(TrackingTestCase):
    def test_it_records_invites_joins_roles_and_removals_from_the_team_page(self):
        self.login(self.owner)
        self.client.post(f"/team/{self.team.pk}/invite/")
        invite = Invite.objects.get()
        made = only(Act.INVITE_CREATED)
        assert (made.actor, made.team, made.after["role"]) == (self.owner, self.team, "member")
        self.client.force_login(self.outsider)
        self.client.post(f"/team/join/{invite.token}/")
        joined = only(Act.MEMBER_ADDED)
        assert (joined.actor, joined.subject, joined.team) == (
            self.outsider,
            self.outsider,
            self.team,
        )
        self.login(self.owner)
        membership = Membership.objects.get(team=self.team, user=self.outsider)
        self.client.post(f"/team/{self.team.pk}/members/{membership.pk}/role/", {"role": "manager"})
        role = only(Act.ROLE_CHANGED)
        assert (role.before, role.after) == ({"role": "member"}, {"role": "manager"})
        self.client.post(f"/team/{self.team.pk}/members/{membership.pk}/remove/")
        removed = only(Act.MEMBER_REMOVED)
        assert (removed.actor, removed.subject, removed.before) == (
            self.owner,
            self.outsider,
            {"role": "manager"},
        )
        second = teams.invite_create(team=self.team, by=self.owner)
        self.client.post(f"/team/invites/{second.pk}/revoke/")
        assert only(Act.INVITE_REVOKED).actor == self.owner

    def test_an_act_that_is_refused_leaves_no_entry(self):
        self.login(self.owner)
        mine = Membership.objects.get(team=self.team, user=self.owner)
        page = self.client.post(f"/team/{self.team.pk}/members/{mine.pk}/remove/", follow=True)
        assert "A team needs a manager" in page.content.decode()
        assert not AuditEntry.objects.exists()

    def test_it_records_staff_adding_a_member_in_the_team_admin(self):
        self.login(self.staff)
        url = f"/admin/generator/team/{self.team.pk}/change/"
        data = admin_post_data(self.client.get(url))
        memberships = list(Membership.objects.filter(team=self.team).order_by("pk"))
        data |= {
            "memberships-TOTAL_FORMS": str(len(memberships) + 1),
            "memberships-INITIAL_FORMS": str(len(memberships)),
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        }
        for i, m in enumerate(memberships):
            data |= {
                f"memberships-{i}-id": str(m.pk),
                f"memberships-{i}-team": str(self.team.pk),
                f"memberships-{i}-user": str(m.user_id),
                f"memberships-{i}-role": m.role,
                f"memberships-{i}-joined_0": m.joined.date().isoformat(),
                f"memberships-{i}-joined_1": m.joined.time().strftime("%H:%M:%S"),
            }
        n = len(memberships)
        now = timezone.now()
        data |= {
            f"memberships-{n}-team": str(self.team.pk),
            f"memberships-{n}-user": str(self.outsider.pk),
            f"memberships-{n}-role": "member",
            f"memberships-{n}-joined_0": now.date().isoformat(),
            f"memberships-{n}-joined_1": now.time().strftime("%H:%M:%S"),
        }
        response = self.client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        added = only(Act.MEMBER_ADDED)
        assert (added.actor, added.subject, added.team, added.via) == (
            self.staff,
            self.outsider,
            self.team,
            "admin",
        )


class RunActsTests(TrackingTestCase):
    def run_of(self, user, **fields) -> Run:
        return Run.objects.create(
            user=user, idempotency_key=uuid.uuid4(), app_name="Watercolor portrait", **fields
        )

    def test_it_records_sharing_from_the_run_page_and_the_bulk_bar(self):
        run, others = self.run_of(self.owner), [self.run_of(self.owner) for _ in range(2)]
        self.login(self.owner)
        self.client.post(
            f"/generations/{run.pk}/share/", {"visibility": "team", "team": self.team.pk}
        )
        shared = only(Act.RUN_SHARED)
        assert shared.target == f"run {run.pk}" and shared.team == self.team
        assert (shared.before, shared.after) == (
            {"visibility": "private", "team": None},
            {"visibility": "team", "team": self.team.pk},
        )
        AuditEntry.objects.all().delete()  # (the portal cannot; the test starts afresh)
        self.client.post(
            "/generations/bulk/",
            {"action": "share", "ids": [str(r.pk) for r in [run, *others]], "team": self.team.pk},
        )
        # The run already shared with the team did not change: two entries, not three.
        assert sorted(e.target for e in AuditEntry.objects.filter(act=Act.RUN_SHARED)) == sorted(
            f"run {r.pk}" for r in others
        )

    def test_it_records_staff_hiding_and_showing_runs(self):
        run = self.run_of(self.owner, visibility="team", team=self.team)
        self.login(self.staff)
        self.client.post(
            "/admin/generator/run/", {"action": "hide", "_selected_action": [str(run.pk)]}
        )
        hidden = only(Act.RUN_HIDDEN)
        assert (hidden.actor, hidden.subject, hidden.team, hidden.via) == (
            self.staff,
            self.owner,
            self.team,
            "admin",
        )
        url = f"/admin/generator/run/{run.pk}/change/"
        data = admin_post_data(self.client.get(url))
        data.pop("hidden", None)  # the checkbox unticked
        for prefix in ("inputs", "results"):
            data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
        response = self.client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]
        shown = only(Act.RUN_UNHIDDEN)
        assert (shown.before, shown.after) == ({"hidden": True}, {"hidden": False})

    def test_it_records_trash_purged_by_retention_as_the_system(self):
        old = timezone.now() - timedelta(days=40)
        for _ in range(2):
            self.run_of(self.owner, deleted_at=old)
        self.run_of(self.teammate, deleted_at=old)
        self.run_of(self.owner, deleted_at=timezone.now())  # still restorable
        retention_sweep()
        purged = {e.subject_name: e for e in AuditEntry.objects.filter(act=Act.TRASH_PURGED)}
        assert {name: e.after for name, e in purged.items()} == {
            "owner": {"runs": 2},
            "teammate": {"runs": 1},
        }
        assert {(e.actor_name, e.via) for e in purged.values()} == {("", "system")}


NO_SSO_LINK = {  # the person admin's inlines, left as they are
    "sso_link-TOTAL_FORMS": "0",
    "sso_link-INITIAL_FORMS": "0",
    "sso_link-MIN_NUM_FORMS": "0",
    "sso_link-MAX_NUM_FORMS": "1",
    "profile-TOTAL_FORMS": "0",
    "profile-INITIAL_FORMS": "0",
    "profile-MIN_NUM_FORMS": "0",
    "profile-MAX_NUM_FORMS": "1",
}


class PeopleActsTests(TrackingTestCase):
    def test_it_records_staff_deactivating_and_reactivating_a_person(self):
        self.login(self.staff)
        url = f"/admin/auth/user/{self.teammate.pk}/change/"
        data = admin_post_data(self.client.get(url)) | NO_SSO_LINK
        data.pop("is_active")
        assert self.client.post(url, data).status_code == 302
        off = only(Act.PERSON_DEACTIVATED)
        assert (off.actor, off.subject) == (self.staff, self.teammate)
        self.client.post(url, data | {"is_active": "on"})
        assert only(Act.PERSON_REACTIVATED).subject == self.teammate
        assert not AuditEntry.objects.filter(act=Act.PERSON_CHANGED).exists()

    def test_it_records_staff_making_someone_staff(self):
        self.login(self.staff)
        url = f"/admin/auth/user/{self.teammate.pk}/change/"
        data = admin_post_data(self.client.get(url)) | NO_SSO_LINK | {"is_staff": "on"}
        assert self.client.post(url, data).status_code == 302
        made = only(Act.PERSON_CHANGED)
        assert (made.before, made.after) == ({"is_staff": False}, {"is_staff": True})

    def test_it_records_an_account_made_and_promoted_by_single_sign_on(self):
        user = sso_account_resolve(
            issuer="https://idp.test",
            subject="sub-1",
            email="new@corp.test",
            name="New Person",
            staff=True,
            team_name="Studio",
        )
        made = only(Act.SSO_ACCOUNT_CREATED)
        assert (made.subject, made.team) == (user, self.team)
        promoted = only(Act.PERSON_CHANGED)
        assert promoted.after == {"is_staff": True, "is_superuser": True}

    def test_it_records_exports_made_and_downloaded_from_the_page(self):
        self.login(self.owner)
        self.client.post("/account/export/")
        made = only(Act.EXPORT_CREATED)
        assert (made.actor, made.subject, made.via) == (self.owner, self.owner, "page")
        assert exports.build_exports.call() == 1
        export = exports.DataExport.objects.get()
        response = self.client.get(f"/account/exports/{export.pk}/")
        assert response.status_code == 200
        b"".join(response.streaming_content) if response.streaming else response.content
        assert only(Act.EXPORT_DOWNLOADED).subject == self.owner


class ApiActsTests(ApiTestCase):
    def test_it_records_the_key_and_the_surface_of_an_act_through_the_api(self):
        asked = self.api("POST", "/me/exports")
        assert asked.status_code == 202
        made = only(Act.EXPORT_CREATED)
        assert (made.actor, made.via, made.key_prefix) == (self.owner, "api", self.token[:12])
        assert made.address == "127.0.0.1"
