"""In a real browser: a person locked out after guessing forgets their password, gets the
email at the test's own SMTP server, chooses a new password and logs in; then sets their
profile and every page follows it, times in their own zone included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import Profile
from generator.models import Run
from tests.conftest import wait_until
from tests.e2e.conftest import PASSWORD, generate_from_form, log_in
from tests.mailbox import link_in

NEW_PASSWORD = "plum tree over the river"


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user(
        "owner", email="owner@example.com", password=PASSWORD
    )


def test_a_person_who_forgot_their_password_resets_it_and_logs_in(
    live_server, owner, mailbox, new_page
):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(5):  # guessing until the account is locked
        page.get_by_label("Username").fill("owner")
        page.get_by_label("Password").fill("was it this one?")
        page.locator("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Too many failed log-ins")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    page.goto(link_in(mailbox.wait_for("owner@example.com")))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Password saved")).to_be_visible()

    page.locator("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_url("**/apps/")
    expect(page.get_by_role("button", name="Log out (owner)")).to_be_visible()


def test_a_person_sets_their_profile_and_every_page_follows_it(live_server, owner, new_page):
    page = new_page(locale="ja-JP", timezone_id="Asia/Tokyo")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("owner")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/apps/")
    # The first page told the portal the browser's time zone.
    assert wait_until(lambda: Profile.objects.filter(user=owner, time_zone="Asia/Tokyo").exists())
    page.get_by_role("link", name="プロフィール").click()
    expect(page.get_by_label("タイムゾーン")).to_have_value("Asia/Tokyo")
    page.get_by_label("表示名").fill("Olive")
    page.get_by_label("表示言語").select_option("en")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Log out (Olive)")).to_be_visible()
    page.reload()  # the saved page is a GET: reloading resubmits nothing
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_person_in_tokyo_sees_local_times_with_the_zone(stack, owner, new_page):
    page = new_page(timezone_id="Asia/Tokyo")
    log_in(page, stack, "owner")  # the first page tells the portal the browser's zone
    assert wait_until(lambda: Profile.objects.filter(user=owner, time_zone="Asia/Tokyo").exists())
    generate_from_form(page, stack)
    run = Run.objects.get()
    Run.objects.filter(pk=run.pk).update(created=datetime(2025, 11, 3, 0, 38, tzinfo=UTC))
    page.goto(f"{stack}/generations/{run.pk}/")
    expect(page.locator("dd time")).to_have_text("3 Nov 2025, 09:38 JST")
    page.goto(f"{stack}/history/")
    card_time = page.locator("main time").first
    expect(card_time).to_have_text("3 Nov 2025, 09:38")
    expect(card_time).to_have_attribute("title", "3 Nov 2025, 09:38 JST")
