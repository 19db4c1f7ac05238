"""Sharing with a team, the gallery, invites and sign-up."""

import re

import pytest
from django.contrib.auth import get_user_model

from generator.models import Invite, Membership, Run
from generator.teams.services import SignUpRefused, invite_sign_up
from tests.base import PASSWORD, TrackingTestCase


class GalleryTests(TrackingTestCase):
    def test_it_shares_a_run_when_the_user_says_so(self):
        private = self.start()
        shared = self.start(visibility="team", team=str(self.team.id))
        assert private.visibility == "private" and private.team == self.team  # billed to it
        assert shared.visibility == "team"
        self.login(self.teammate)
        html = self.client.get("/team/").content.decode()
        assert f"/generations/{shared.id}/" in html and f"/generations/{private.id}/" not in html
        assert "owner" in html  # who shared it
        self.login(self.outsider)
        assert f"/generations/{shared.id}/" not in self.client.get("/team/").content.decode()
        assert self.client.get(f"/generations/{shared.id}/").status_code == 404

    def test_it_changes_who_can_see_a_run_later(self):
        run = self.start()
        self.client.post(
            f"/generations/{run.id}/share/", {"visibility": "team", "team": self.team.id}
        )
        run.refresh_from_db()
        assert run.visibility == "team"
        self.login(self.teammate)
        assert self.client.get(f"/generations/{run.id}/").status_code == 200

    def test_it_refuses_to_share_with_a_team_the_user_is_not_in(self):
        run = self.start()
        self.client.post(
            f"/generations/{run.id}/share/",
            {"visibility": "team", "team": self.other_team.id},
        )
        run.refresh_from_db()
        assert run.visibility == "private"

    def test_it_uses_the_users_default_sharing(self):
        self.login()
        self.client.post("/team/preferences/", {"visibility": "team", "team": self.team.id})
        assert self.start().visibility == "team"


class InviteTests(TrackingTestCase):
    def invite_link(self) -> str:
        self.login(self.owner)  # a manager of self.team
        response = self.client.post(f"/team/{self.team.id}/invite/", follow=True)
        found = re.search(r"(/team/join/[\w-]+/)", response.content.decode())
        assert found is not None
        return found.group(1)

    def test_only_managers_create_invites(self):
        self.login(self.teammate)
        assert self.client.post(f"/team/{self.team.id}/invite/").status_code == 404
        self.login(self.outsider)
        assert self.client.post(f"/team/{self.team.id}/invite/").status_code == 404

    def test_an_invite_signs_someone_up_once(self):
        link = self.invite_link()
        self.client.logout()
        response = self.client.post(
            link, {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == 302
        newbie = get_user_model().objects.get(username="newbie")
        assert Membership.objects.filter(user=newbie, team=self.team).exists()
        self.client.logout()
        again = self.client.get(link)
        assert again.status_code == 404 and b"already used, revoked or has expired" in again.content

    def test_an_existing_user_joins_with_a_click(self):
        link = self.invite_link()
        self.login(self.outsider)
        self.client.post(link)
        assert Membership.objects.filter(user=self.outsider, team=self.team).exists()

    def test_there_is_no_open_sign_up_unless_allowed(self):
        assert self.client.get("/accounts/signup/").status_code == 404
        with self.settings(OPEN_SIGNUP=True):
            assert self.client.get("/accounts/signup/").status_code == 200

    def test_an_expired_invite_does_nothing(self):
        link = self.invite_link()
        Invite.objects.update(expires="2000-01-01T00:00:00Z")
        self.login(self.outsider)
        assert self.client.post(link).status_code == 404
        assert not Membership.objects.filter(user=self.outsider, team=self.team).exists()


class PendingInviteTests(TrackingTestCase):
    def create_invite(self) -> Invite:
        self.login(self.owner)  # a manager of self.team
        self.client.post(f"/team/{self.team.id}/invite/", follow=True)  # shows its message
        return Invite.objects.latest("created")

    def test_managers_see_pending_invites_with_a_link_to_copy(self):
        invite = self.create_invite()
        html = self.client.get("/team/").content.decode()
        link = f"http://testserver/team/join/{invite.token}/"
        assert f'<a class="invite-link" id="invite-{invite.id}" href="{link}">{link}</a>' in html
        # The copy button is there for the script to reveal; without it the link remains.
        assert re.search(rf'<button[^>]*data-copy="{re.escape(link)}"[^>]* hidden>', html)
        assert f'action="/team/invites/{invite.id}/revoke/"' in html

    def test_members_and_outsiders_never_see_the_links(self):
        invite = self.create_invite()
        for user in (self.teammate, self.outsider):
            self.login(user)
            html = self.client.get("/team/").content.decode()
            assert invite.token not in html and "Pending invites" not in html

    def test_used_and_expired_invites_are_not_pending(self):
        used, expired = self.create_invite(), self.create_invite()
        Invite.objects.filter(pk=used.pk).update(used_at="2020-01-01T00:00:00Z")
        Invite.objects.filter(pk=expired.pk).update(expires="2000-01-01T00:00:00Z")
        html = self.client.get("/team/").content.decode()
        assert used.token not in html and expired.token not in html

    def test_a_manager_revokes_an_invite_and_its_link_stops_working(self):
        invite = self.create_invite()
        response = self.client.post(f"/team/invites/{invite.id}/revoke/", follow=True)
        assert b"The invite is revoked" in response.content
        assert invite.token not in response.content.decode()
        self.client.logout()
        page = self.client.get(f"/team/join/{invite.token}/")
        assert page.status_code == 404 and b"revoked" in page.content

    def test_only_the_teams_managers_revoke(self):
        invite = self.create_invite()
        for user in (self.teammate, self.outsider):
            self.login(user)
            assert self.client.post(f"/team/invites/{invite.id}/revoke/").status_code == 404
        assert Invite.objects.filter(pk=invite.pk).exists()

    def test_revoking_an_invite_used_meanwhile_says_so(self):
        invite = self.create_invite()
        Invite.objects.filter(pk=invite.pk).update(used_at="2020-01-01T00:00:00Z")
        response = self.client.post(f"/team/invites/{invite.id}/revoke/", follow=True)
        assert b"That invite was used before it could be revoked." in response.content
        assert Invite.objects.filter(pk=invite.pk).exists()

    def test_a_username_taken_meanwhile_leaves_the_invite_unused(self):
        invite = self.create_invite()
        with pytest.raises(SignUpRefused):
            invite_sign_up(invite=invite, username="teammate", password=PASSWORD)
        invite.refresh_from_db()
        assert invite.usable


class PrivacyTests(TrackingTestCase):
    def test_hidden_runs_disappear_for_everyone_but_staff(self):
        run = self.start(visibility="team", team=str(self.team.id))
        Run.objects.filter(pk=run.pk).update(hidden=True)
        for user in (self.owner, self.teammate):
            self.login(user)
            assert self.client.get(f"/generations/{run.id}/").status_code == 404
        self.login(self.staff)
        assert self.client.get(f"/generations/{run.id}/").status_code == 200
