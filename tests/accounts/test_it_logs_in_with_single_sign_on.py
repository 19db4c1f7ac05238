"""Logging in through the company's OpenID provider: accounts, teams, staff, refusals."""

import html

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts.models import SsoLink
from generator.models import Team
from tests.accounts.sso_stack import TEAM

pytestmark = pytest.mark.django_db(transaction=True)


def text(page) -> str:
    return html.unescape(page.text)


def test_it_creates_the_account_and_team_membership_on_first_log_in(corp):
    page = corp.log_in("alice")
    assert page.url == f"{corp.url}/apps/"
    assert "Log out (alice@corp.test)" in text(page)
    user = get_user_model().objects.get(email="alice@corp.test")
    assert user.username == "alice@corp.test" and not user.has_usable_password()
    assert (user.first_name, user.last_name, user.is_staff) == ("Alice", "Lee", False)
    assert [t.name for t in Team.objects.filter(memberships__user=user)] == [TEAM]

    again = corp.log_in("alice")  # another day, another browser: the same account
    assert again.url == f"{corp.url}/apps/"
    assert get_user_model().objects.count() == 1


def test_it_makes_staff_of_the_group_the_provider_names(corp):
    page = corp.log_in("boss")
    boss = get_user_model().objects.get(email="boss@corp.test")
    assert boss.is_staff and boss.is_superuser
    assert 'href="/usage/"' in page.text


def test_it_links_an_existing_account_through_its_verified_address(corp):
    User = get_user_model()
    local = User.objects.create_user("alice", email="Alice@Corp.test", password="pw")
    page = corp.log_in("alice")
    assert page.url == f"{corp.url}/apps/" and "Log out (alice)" in text(page)
    assert User.objects.count() == 1
    assert SsoLink.objects.get(user=local).subject == "alice"
    assert not Team.objects.filter(memberships__user=local).exists()  # only new people join


def test_it_never_links_a_staff_account_by_its_address_alone(corp):
    User = get_user_model()
    root = User.objects.create_superuser("root", email="root@corp.test", password="pw")
    page = corp.log_in("root")
    assert page.url == f"{corp.url}/accounts/login/"
    assert "An administrator account here uses this email address." in text(page)
    assert "only once staff have linked it" in text(page)
    assert not SsoLink.objects.exists() and User.objects.count() == 1
    root.refresh_from_db()
    assert root.is_superuser and root.last_login is None  # untouched, never logged in
    assert "Log out" not in text(corp.log_in("root", session=requests.Session()))


def test_it_logs_in_to_a_staff_account_staff_linked_and_takes_staff_away_with_the_group(corp):
    User = get_user_model()
    local = User.objects.create_user(
        "root", email="root@corp.test", password="pw", is_staff=True, is_superuser=True
    )
    SsoLink.objects.create(user=local)  # what staff's "add a link" in the admin makes
    page = corp.log_in("root")
    assert page.url == f"{corp.url}/apps/" and "Log out (root)" in text(page)
    local.refresh_from_db()
    assert User.objects.count() == 1 and not local.is_staff and not local.is_superuser
    assert SsoLink.objects.get(user=local).subject == "root"


def test_it_refuses_an_address_outside_the_allowed_domains(corp):
    page = corp.log_in("mallory")
    assert page.url == f"{corp.url}/accounts/login/"
    assert (
        "mallory@elsewhere.test cannot log in here: only addresses at corp.test are allowed."
        in text(page)
    )
    assert 'role="alert" id="sso-error"' in page.text
    assert not get_user_model().objects.exists()


def test_it_refuses_an_email_the_provider_did_not_confirm(corp):
    page = corp.log_in("ursula")
    assert page.url == f"{corp.url}/accounts/login/"
    assert "did not confirm an email address" in text(page)
    assert not get_user_model().objects.exists()


def test_it_refuses_an_email_the_provider_says_nothing_about(corp):
    vera = get_user_model().objects.create_user("vera", email="vera@corp.test", password="pw")
    page = corp.log_in("vera")
    assert page.url == f"{corp.url}/accounts/login/"
    assert "The sign-on service did not confirm an email address for your account." in text(page)
    assert get_user_model().objects.get() == vera and not SsoLink.objects.exists()


def test_it_returns_to_the_page_that_asked_for_a_log_in(corp):
    session = requests.Session()
    login_page = session.get(f"{corp.url}/history/", timeout=10)
    assert login_page.url == f"{corp.url}/accounts/login/?next=/history/"
    assert 'href="/sso/start/?next=%2Fhistory%2F"' in login_page.text
    start = f"{corp.url}/sso/start/?next=/history/"
    page = corp.log_in("alice", session=session, start=start)
    assert page.url == f"{corp.url}/history/"


def test_it_keeps_password_log_in_working_beside_single_sign_on(corp):
    get_user_model().objects.create_user("owner", password="correct horse battery staple")
    session = requests.Session()
    page = session.get(f"{corp.url}/accounts/login/", timeout=10)
    assert "Log in with Corp SSO" in page.text and 'type="password"' in page.text
    landed = session.post(
        f"{corp.url}/accounts/login/",
        {
            "username": "owner",
            "password": "correct horse battery staple",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        timeout=10,
    )
    assert landed.url == f"{corp.url}/apps/" and "Log out (owner)" in text(landed)
