"""A person looks after their own account: a forgotten password reset by email (sent to a
real SMTP server that the test starts), a password changed, and a profile (email,
display name, time zone, language) that every page follows."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt

from accounts.models import Profile
from tests.base import PASSWORD, BaseTestCase
from tests.mailbox import Mailbox, body_of, link_in

NEW_PASSWORD = "a brand new horse staple"


class ResetTests(BaseTestCase):
    mailbox: Mailbox

    @pytest.fixture(autouse=True)
    def _mailbox(self, mailbox):
        self.mailbox = mailbox

    def ask_for_a_link(self, email: str) -> str:
        page = self.client.get("/accounts/password_reset/")
        assert b'name="email"' in page.content
        response = self.client.post("/accounts/password_reset/", {"email": email})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/password_reset/sent/"
        return self.client.get(response["Location"]).content.decode()

    def set_new_password(self, link: str) -> None:
        path = urlsplit(link).path
        assert path.startswith("/accounts/password_reset/")
        # Django swaps the token for a session marker, so it never lingers in the address.
        form_url = self.client.get(path)["Location"]
        page = self.client.get(form_url)
        assert b"Choose a new password" in page.content
        done = self.client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert done["Location"] == "/accounts/password_reset/complete/"
        assert b"Log in with it now" in self.client.get(done["Location"]).content

    def log_in(self, password: str, username: str = "owner"):
        return self.client.post("/accounts/login/", {"username": username, "password": password})

    def test_a_person_who_forgot_their_password_resets_it_by_email_and_logs_in(self):
        self.owner.email = "owner@example.com"
        self.owner.save()
        sent = self.ask_for_a_link("Owner@Example.com")
        assert "Check your email" in sent
        message = self.mailbox.wait_for("owner@example.com")
        assert message["Subject"] == "Choose a new password for A1 Studio"
        assert "Hello owner," in body_of(message)
        self.set_new_password(link_in(message))
        assert self.log_in(PASSWORD).status_code == 200  # the old one no longer works
        assert self.log_in(NEW_PASSWORD)["Location"] == "/apps/"
        # The link works once.
        again = self.client.get(urlsplit(link_in(message)).path)
        assert b"has been used already or is too old" in again.content

    def test_a_locked_out_person_gets_in_with_the_password_they_reset(self):
        self.owner.email = "owner@example.com"
        self.owner.save()
        for _ in range(5):
            self.log_in("wrong guess")
        assert self.log_in(PASSWORD).status_code == 429  # locked, even with the right one
        self.ask_for_a_link("owner@example.com")
        self.set_new_password(link_in(self.mailbox.wait_for("owner@example.com")))
        assert not AccessAttempt.objects.filter(username="owner").exists()
        assert self.log_in(NEW_PASSWORD)["Location"] == "/apps/"

    def test_the_email_is_in_the_language_the_person_chose(self):
        self.owner.email = "owner@example.com"
        self.owner.save()
        Profile.objects.create(user=self.owner, language="ja")
        self.ask_for_a_link("owner@example.com")  # asked from an English page
        message = self.mailbox.wait_for("owner@example.com")
        assert message["Subject"] == "A1 Studio の新しいパスワードを設定してください"
        assert "/accounts/password_reset/" in body_of(message)

    def test_the_link_names_the_portals_public_address(self):
        self.owner.email = "owner@example.com"
        self.owner.save()
        with self.settings(SITE_URL="https://studio.example.com"):
            self.ask_for_a_link("owner@example.com")
        link = link_in(self.mailbox.wait_for("owner@example.com"))
        assert link.startswith("https://studio.example.com/accounts/password_reset/")

    def test_an_unknown_address_gets_the_same_answer_and_no_email(self):
        self.owner.email = "owner@example.com"
        self.owner.save()
        sent = self.ask_for_a_link("nobody@example.com")
        assert "If an account here uses that address" in sent
        self.ask_for_a_link("owner@example.com")
        self.mailbox.wait_for("owner@example.com")
        assert [str(m["To"]) for m in self.mailbox.messages] == ["owner@example.com"]

    def test_without_an_email_server_the_page_says_to_ask_staff(self):
        with self.settings(EMAIL_CONFIGURED=False):
            page = self.client.get("/accounts/password_reset/")
            assert b"This portal sends no email" in page.content
            assert b'name="email"' not in page.content
            self.client.post("/accounts/password_reset/", {"email": "owner@example.com"})
        assert self.mailbox.messages == []

    def test_the_log_in_page_offers_the_reset(self):
        page = self.client.get("/accounts/login/")
        assert b'href="/accounts/password_reset/"' in page.content
        assert b"Forgot your password?" in page.content


class PasswordChangeTests(BaseTestCase):
    def test_a_person_changes_their_password(self):
        self.login(self.owner)
        page = self.client.get("/accounts/password_change/")
        assert b'name="old_password"' in page.content
        wrong = self.client.post(
            "/accounts/password_change/",
            {"old_password": "not it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )  # fmt: skip
        assert b"Your old password was entered incorrectly" in wrong.content
        done = self.client.post(
            "/accounts/password_change/",
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )  # fmt: skip
        assert done["Location"] == "/accounts/password_change/done/"
        assert b"you stay logged in here" in self.client.get(done["Location"]).content
        assert self.client.get("/apps/").status_code == 200  # still logged in
        self.client.logout()
        logged_in = self.client.post(
            "/accounts/login/", {"username": "owner", "password": NEW_PASSWORD}
        )
        assert logged_in["Location"] == "/apps/"

    def test_it_asks_a_stranger_to_log_in_first(self):
        response = self.client.get("/accounts/password_change/")
        assert response["Location"].startswith("/accounts/login/")

    def test_an_account_made_by_single_sign_on_has_no_password_to_change(self):
        self.owner.set_unusable_password()
        self.owner.save()
        self.client.force_login(self.owner)
        page = self.client.get("/accounts/password_change/")
        assert b"your password is kept there, not here" in page.content
        assert b'name="old_password"' not in page.content
        assert (
            b'href="/accounts/password_change/"'
            not in self.client.get("/accounts/profile/").content
        )


class ProfileTests(BaseTestCase):
    def save(self, **changes):
        data = {"email": "", "display_name": "", "time_zone": "UTC", "language": "", **changes}
        return self.client.post("/accounts/profile/", data)

    def test_a_person_saves_their_profile_and_every_page_follows_it(self):
        self.login(self.owner)
        page = self.client.get("/accounts/profile/")
        assert (
            b"Your profile" in page.content and b'href="/accounts/password_change/"' in page.content
        )
        response = self.save(
            email="owner@example.com", display_name="Olive Owner", time_zone="Asia/Tokyo", language="ja"
        )  # fmt: skip
        assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
        page = self.client.get(response["Location"]).content.decode()  # reload: no resubmit
        assert "プロフィールを保存しました。" in page
        assert 'value="owner@example.com"' in page
        assert '<option value="Asia/Tokyo" selected>' in page
        self.owner.refresh_from_db()
        assert self.owner.email == "owner@example.com"
        # The saved language beats the browser's cookie and its Accept-Language.
        self.client.cookies["django_language"] = "zh-hans"
        apps = self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
        assert '<html lang="ja">' in apps
        assert "ログアウト (Olive Owner)" in apps

    def test_with_no_language_chosen_the_browser_decides(self):
        self.login(self.owner)
        self.save(display_name="Olive")
        page = self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE="zh-Hant").content.decode()
        assert '<html lang="zh-hant">' in page

    def test_the_language_switch_is_the_persons_choice_too(self):
        self.login(self.owner)
        self.client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/apps/"})
        assert Profile.objects.get(user=self.owner).language == "zh-hans"
        other_browser = self.client_class()
        other_browser.force_login(self.owner)
        assert '<html lang="zh-hans">' in other_browser.get("/apps/").content.decode()

    def test_an_address_another_account_uses_is_refused_next_to_the_field(self):
        self.teammate.email = "shared@example.com"
        self.teammate.save()
        self.login(self.owner)
        response = self.save(email="Shared@example.com")
        assert response.status_code == 400
        assert b"Another account uses this address" in response.content
        assert b"Some fields need your attention." in response.content
        self.owner.refresh_from_db()
        assert self.owner.email == ""

    def test_a_zone_that_does_not_exist_is_refused(self):
        self.login(self.owner)
        response = self.save(time_zone="Mars/Olympus_Mons")
        assert response.status_code == 400
        assert not Profile.objects.filter(user=self.owner).exists()

    def test_the_browser_tells_the_time_zone_once_and_never_overrides_a_choice(self):
        self.login(self.owner)
        page = self.client.get("/apps/").content.decode()
        assert 'data-time-zone-guess="/accounts/profile/time-zone/"' in page
        guess = "/accounts/profile/time-zone/"
        assert self.client.post(guess, {"time_zone": "Nowhere/Atlantis"}).status_code == 400
        assert self.client.post(guess, {"time_zone": "Asia/Taipei"}).status_code == 204
        assert Profile.objects.get(user=self.owner).time_zone == "Asia/Taipei"
        assert "data-time-zone-guess" not in self.client.get("/apps/").content.decode()
        self.save(time_zone="Asia/Shanghai")
        assert self.client.post(guess, {"time_zone": "Europe/Paris"}).status_code == 400
        assert Profile.objects.get(user=self.owner).time_zone == "Asia/Shanghai"

    def test_the_profile_is_only_for_someone_logged_in(self):
        assert self.client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")
        assert (
            self.client.post("/accounts/profile/time-zone/", {"time_zone": "UTC"}).status_code
            == 302
        )

    def test_staff_see_and_correct_a_profile_on_the_persons_admin_page(self):
        Profile.objects.create(user=self.owner, time_zone="Asia/Tokyo", display_name="Olive")
        self.login(self.staff)
        page = self.client.get(f"/admin/auth/user/{self.owner.pk}/change/").content.decode()
        assert 'value="Asia/Tokyo"' in page and 'value="Olive"' in page

    def test_a_kept_gallery_page_shows_the_new_display_name(self):
        self.login(self.owner)
        assert "Log out (owner)" in self.client.get("/history/").content.decode()
        self.save(display_name="Olive Owner")
        self.client.get("/accounts/profile/")  # the "saved" notice is shown there
        assert "Log out (Olive Owner)" in self.client.get("/history/").content.decode()
