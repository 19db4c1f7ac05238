"""A manager's invite may name whom it is for and the role it gives, and is emailed there
(to a real SMTP server the test starts); the account made through it starts with that
address. Without a mail server the page says the link must be sent by hand."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from generator.models import Invite, Membership
from tests.base import BaseTestCase
from tests.mailbox import Mailbox, body_of, link_in


class EmailedInviteTests(BaseTestCase):
    mailbox: Mailbox

    @pytest.fixture(autouse=True)
    def _mailbox(self, mailbox):
        self.mailbox = mailbox

    def invite(self, **data):
        self.login(self.owner)
        response = self.client.post(f"/team/{self.team.pk}/invite/", data)
        assert response.status_code == 302
        return self.client.get("/team/").content.decode()

    def test_it_emails_the_link_and_the_new_account_joins_with_the_role_and_address(self):
        page = self.invite(email="mei@example.com", role="manager")
        assert "The invite is emailed to mei@example.com." in page
        assert "Emailed to mei@example.com." in page and "Joins as manager." in page
        message = self.mailbox.wait_for("mei@example.com")
        assert message["Subject"] == "A1 Studio: an invite to Studio"
        body = body_of(message)
        assert "owner invites you to the team Studio on A1 Studio." in body
        assert "You would join as: Manager." in body
        link = link_in(message)
        assert link in page  # the same link the page offers to copy

        self.client.logout()
        path = urlsplit(link).path
        joined = self.client.post(
            path,
            {
                "username": "mei",
                "password1": "a long new pass 123",
                "password2": "a long new pass 123",
            },
        )
        assert joined.status_code == 302, joined.content.decode()[:2000]
        mei = get_user_model().objects.get(username="mei")
        assert mei.email == "mei@example.com"
        assert Membership.objects.get(user=mei, team=self.team).role == "manager"

    def test_a_wrong_address_is_refused_with_its_cause_and_no_invite_is_made(self):
        page = self.invite(email="not an address", role="member")
        assert "Enter a valid email address." in page
        assert not Invite.objects.exists()

    def test_without_a_mail_server_the_page_says_to_send_the_link_by_hand(self):
        with self.settings(EMAIL_CONFIGURED=False):
            page = self.invite(email="ken@example.com", role="member")
        assert "This portal sends no email: copy the invite" in page
        assert "For ken@example.com (not emailed)." in page
        assert self.mailbox.messages == []

    def test_an_invite_for_nobody_in_particular_is_a_link_as_before(self):
        page = self.invite(role="member")
        assert "A new one-time invite link for Studio is ready" in page
        assert re.search(r'data-copy="http://testserver/team/join/[^"]+"', page)
        assert self.mailbox.messages == []

    def test_only_a_manager_of_the_team_may_invite(self):
        self.login(self.teammate)
        response = self.client.post(f"/team/{self.team.pk}/invite/", {"role": "manager"})
        assert response.status_code == 404
        assert not Invite.objects.exists()
