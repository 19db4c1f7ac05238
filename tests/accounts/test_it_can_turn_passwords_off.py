"""LOCAL_ACCOUNTS=0: single sign-on is the only way in, for the portal and the admin."""

import pytest
import requests
from django.contrib.auth import get_user_model

from generator.models import Invite, Membership, Team
from tests.accounts.sso_stack import sso_stack

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def sso_only(sandbox_server, django_db_setup, tmp_path_factory):
    with sso_stack(sandbox_server, tmp_path_factory.mktemp("media"), LOCAL_ACCOUNTS="0") as stack:
        yield stack


def test_it_offers_only_single_sign_on_and_refuses_passwords(sso_only):
    get_user_model().objects.create_user("owner", password=PASSWORD)
    session = requests.Session()
    page = session.get(f"{sso_only.url}/accounts/login/", timeout=10)
    assert "Log in with Corp SSO" in page.text
    assert 'type="password"' not in page.text and 'name="username"' not in page.text
    session.post(
        f"{sso_only.url}/accounts/login/",
        {"username": "owner", "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10,
    )  # fmt: skip
    assert session.get(f"{sso_only.url}/apps/", timeout=10).url.endswith(
        "/accounts/login/?next=/apps/"
    )


def test_it_sends_the_admin_log_in_to_single_sign_on(sso_only):
    page = requests.get(f"{sso_only.url}/admin/", timeout=10)
    assert page.url == f"{sso_only.url}/accounts/login/?next=/admin/"
    session = requests.Session()
    start = f"{sso_only.url}/sso/start/?next=/admin/"
    admin = sso_only.log_in("boss", session=session, start=start)
    assert admin.url == f"{sso_only.url}/admin/" and "Site administration" in admin.text


def test_it_lets_an_invite_through_single_sign_on_only(sso_only):
    team = Team.objects.create(name="Studio")
    manager = get_user_model().objects.create_user("manager")
    Membership.objects.create(team=team, user=manager, role="manager")
    invite = Invite.objects.create(
        team=team, created_by=manager, token="t" * 43, expires="2999-01-01T00:00:00Z"
    )
    page = requests.get(f"{sso_only.url}/team/join/{invite.token}/", timeout=10)
    assert page.url == f"{sso_only.url}/accounts/login/?next=/team/join/{invite.token}/"
    assert 'name="password1"' not in page.text


def test_the_password_pages_name_the_provider_and_offer_no_form(sso_only):
    for path in ("/accounts/password_reset/", "/accounts/password_reset/sent/"):
        page = requests.get(f"{sso_only.url}{path}", timeout=10)
        assert page.status_code == 200
        assert "your password is kept there, not here" in page.text, path
        assert 'name="email"' not in page.text
    session = requests.Session()
    sso_only.log_in("alice", session=session)
    page = session.get(f"{sso_only.url}/accounts/password_change/", timeout=10)
    assert "You log in through Corp SSO" in page.text
    assert 'type="password"' not in page.text
    profile = session.get(f"{sso_only.url}/accounts/profile/", timeout=10)
    assert "Your profile" in profile.text
    assert 'href="/accounts/password_change/"' not in profile.text
    assert "Your email address comes from Corp SSO" in profile.text
    login = requests.get(f"{sso_only.url}/accounts/login/", timeout=10)
    assert "/accounts/password_reset/" not in login.text
