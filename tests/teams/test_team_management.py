"""Managing a team from /team/: roles, removing members, leaving, the sharing default."""

import re

from django.utils import timezone

from generator.models import Membership, Preferences
from tests.base import TrackingTestCase


class TeamManagementTests(TrackingTestCase):
    def membership(self, user, team=None) -> Membership:
        return Membership.objects.get(user=user, team=team or self.team)

    def test_a_manager_sees_controls_and_a_member_does_not(self):
        self.login(self.owner)
        html = self.client.get("/team/").content.decode()
        mate = self.membership(self.teammate)
        assert f'action="/team/{self.team.id}/members/{mate.id}/remove/"' in html
        assert f'action="/team/{self.team.id}/members/{mate.id}/role/"' in html
        assert f'action="/team/{self.team.id}/settings/"' in html
        self.login(self.teammate)
        html = self.client.get("/team/").content.decode()
        assert f"/members/{mate.id}/role/" not in html and "/settings/" not in html
        assert f'action="/team/{self.team.id}/members/{mate.id}/remove/"' in html  # Leave

    def test_a_manager_changes_a_role(self):
        self.login(self.owner)
        mate = self.membership(self.teammate)
        response = self.client.post(
            f"/team/{self.team.id}/members/{mate.id}/role/", {"role": "manager"}, follow=True
        )
        assert "teammate is now Manager." in response.content.decode()
        mate.refresh_from_db()
        assert mate.role == "manager"

    def test_a_manager_removes_a_member_who_then_loses_access(self):
        shared = self.start(visibility="team", team=str(self.team.id))
        Preferences.objects.update_or_create(
            user=self.teammate, defaults={"default_team": self.team}
        )
        mate = self.membership(self.teammate)
        self.login(self.owner)
        response = self.client.post(f"/team/{self.team.id}/members/{mate.id}/remove/", follow=True)
        assert "teammate is no longer in Studio." in response.content.decode()
        assert not Membership.objects.filter(pk=mate.pk).exists()
        assert Preferences.objects.get(user=self.teammate).default_team is None
        self.login(self.teammate)
        assert self.client.get(f"/generations/{shared.id}/").status_code == 404

    def test_a_member_leaves_but_cannot_manage(self):
        mate = self.membership(self.teammate)
        owner = self.membership(self.owner)
        self.login(self.teammate)
        assert (
            self.client.post(f"/team/{self.team.id}/members/{owner.id}/remove/").status_code == 404
        )
        assert (
            self.client.post(
                f"/team/{self.team.id}/members/{owner.id}/role/", {"role": "member"}
            ).status_code
            == 404
        )
        assert self.client.post(f"/team/{self.team.id}/settings/").status_code == 404
        self.client.post(f"/team/{self.team.id}/members/{mate.id}/remove/")
        assert not Membership.objects.filter(pk=mate.pk).exists()

    def test_outsiders_touch_nothing(self):
        mate = self.membership(self.teammate)
        self.login(self.outsider)
        for url in (
            f"/team/{self.team.id}/members/{mate.id}/remove/",
            f"/team/{self.team.id}/members/{mate.id}/role/",
            f"/team/{self.team.id}/settings/",
            f"/team/{self.other_team.id}/members/{mate.id}/remove/",  # wrong team in the URL
        ):
            assert self.client.post(url, {"role": "manager"}).status_code == 404, url
        assert Membership.objects.filter(pk=mate.pk, role="member").exists()

    def test_the_last_manager_stays(self):
        owner = self.membership(self.owner)
        self.login(self.owner)
        response = self.client.post(
            f"/team/{self.team.id}/members/{owner.id}/role/", {"role": "member"}, follow=True
        )
        assert "A team needs a manager" in response.content.decode()
        response = self.client.post(f"/team/{self.team.id}/members/{owner.id}/remove/", follow=True)
        assert "A team needs a manager" in response.content.decode()
        owner.refresh_from_db()
        assert owner.role == "manager"

    def test_a_team_can_make_new_runs_start_shared(self):
        self.login(self.owner)
        self.client.post(f"/team/{self.team.id}/settings/", {"share_new_runs": "on"})
        self.team.refresh_from_db()
        assert self.team.share_new_runs
        assert self.start(user=self.teammate).visibility == "team"
        # A member's own saved default beats the team's.
        self.client.post("/team/preferences/", {"visibility": "private", "team": self.team.id})
        assert self.start(user=self.teammate).visibility == "private"

    def test_an_invite_link_is_clickable_with_a_copy_button(self):
        self.login(self.owner)
        html = self.client.post(f"/team/{self.team.id}/invite/", follow=True).content.decode()
        assert "ready under Pending invites" in html
        link = re.search(r'class="invite-link" id="invite-\d+" href="([^"]+)"', html).group(1)
        assert link.startswith("http://testserver/team/join/")
        assert f'data-copy="{link}"' in html  # the Copy button copies exactly that link

    def invite_made_by_teammate_as_manager(self) -> tuple[str, str]:
        """The teammate, made manager, invites someone; (link path, team page) for the owner."""
        mate = self.membership(self.teammate)
        mate.role = "manager"
        mate.save()
        self.login(self.teammate)
        html = self.client.post(f"/team/{self.team.id}/invite/", follow=True).content.decode()
        found = re.search(r'class="invite-link" id="invite-\d+" href="([^"]+)"', html)
        assert found is not None
        link = found.group(1)
        path = link.removeprefix("http://testserver")
        self.login(self.owner)
        assert link in self.client.get("/team/").content.decode()  # pending, listed
        return path, link

    def assert_invite_dead(self, path: str, link: str) -> None:
        assert link not in self.client.get("/team/").content.decode()
        self.login(self.outsider)
        page = self.client.get(path)
        assert page.status_code == 404 and "This invite link does not work" in page.content.decode()
        claimed = self.client.post(path)
        assert claimed.status_code in (404, 409)
        assert not Membership.objects.filter(user=self.outsider, team=self.team).exists()

    def test_an_invite_dies_when_the_manager_who_made_it_is_removed(self):
        path, link = self.invite_made_by_teammate_as_manager()
        mate = self.membership(self.teammate)
        removed = self.client.post(f"/team/{self.team.id}/members/{mate.id}/remove/", follow=True)
        assert "teammate is no longer in Studio." in removed.content.decode()
        self.assert_invite_dead(path, link)

    def test_an_invite_dies_when_the_manager_who_made_it_is_made_a_member(self):
        path, link = self.invite_made_by_teammate_as_manager()
        mate = self.membership(self.teammate)
        demoted = self.client.post(
            f"/team/{self.team.id}/members/{mate.id}/role/", {"role": "member"}, follow=True
        )
        assert "teammate is now Member." in demoted.content.decode()
        self.assert_invite_dead(path, link)

    def test_an_invite_dies_when_staff_demote_its_maker_in_the_admin(self):
        path, link = self.invite_made_by_teammate_as_manager()
        mate = self.membership(self.teammate)
        self.login(self.staff)  # the admin's membership page writes the row past the service
        joined = timezone.localtime(mate.joined)
        changed = self.client.post(
            f"/admin/generator/membership/{mate.pk}/change/",
            {
                "user": self.teammate.pk,
                "team": self.team.pk,
                "role": "member",
                "joined_0": joined.strftime("%Y-%m-%d"),
                "joined_1": joined.strftime("%H:%M:%S"),
            },
        )
        assert changed.status_code == 302, changed.content[:500]
        self.login(self.owner)
        self.assert_invite_dead(path, link)

    def test_an_invite_lives_on_while_its_maker_still_manages_the_team(self):
        path, _link = self.invite_made_by_teammate_as_manager()
        owner = self.membership(self.owner)
        self.client.post(f"/team/{self.team.id}/members/{owner.id}/role/", {"role": "member"})
        self.login(self.outsider)
        joined = self.client.post(path, follow=True)
        assert "You joined Studio." in joined.content.decode()
