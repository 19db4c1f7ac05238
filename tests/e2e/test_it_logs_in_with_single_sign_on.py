"""Single sign-on in a real browser: the company's provider, in and out again."""

import re

import pytest
from django.contrib.auth import get_user_model

from generator.models import Team
from tests.accounts.sso_stack import TEAM, sso_stack


@pytest.fixture(scope="module")
def corp(sandbox_server, django_db_setup, tmp_path_factory):
    with sso_stack(sandbox_server, tmp_path_factory.mktemp("media")) as stack:
        yield stack


def on_loopback_only(page) -> None:
    """The provider's pages ask for a web font; nothing leaves this machine."""
    page.context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())


def sign_in_at_the_provider(page, corp, login: str) -> None:
    page.wait_for_url(f"{corp.issuer}/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("whatever the provider checks")
    page.get_by_role("button", name="Sign-in").click()


def test_it_logs_in_and_out_through_the_company_provider(corp, new_page, transactional_db):
    page = new_page()
    on_loopback_only(page)
    page.goto(f"{corp.url}/history/")
    page.get_by_role("link", name="Log in with Corp SSO").click()
    sign_in_at_the_provider(page, corp, "alice")
    page.wait_for_url(f"{corp.url}/history/")  # back where they were going
    log_out = page.get_by_role("button", name="Log out (alice@corp.test)")
    assert log_out.is_visible()
    alice = get_user_model().objects.get(email="alice@corp.test")
    assert list(Team.objects.filter(memberships__user=alice).values_list("name", flat=True)) == [
        TEAM
    ]

    log_out.click()
    page.get_by_role("button", name="Yes, sign me out").click()  # the provider's own page
    page.wait_for_url(f"{corp.url}/accounts/login/")
    page.goto(f"{corp.url}/apps/")
    page.wait_for_url(f"{corp.url}/accounts/login/?next=/apps/")  # logged out here
    page.get_by_role("link", name="Log in with Corp SSO").click()
    page.wait_for_url(f"{corp.issuer}/**")
    assert page.locator("input[name=login]").is_visible()  # and there: asked again


def test_it_tells_a_refused_person_why_on_our_log_in_page(corp, new_page, transactional_db):
    page = new_page()
    on_loopback_only(page)
    page.goto(f"{corp.url}/accounts/login/")
    page.get_by_role("link", name="Log in with Corp SSO").click()
    sign_in_at_the_provider(page, corp, "mallory")
    page.wait_for_url(f"{corp.url}/accounts/login/")
    alert = page.get_by_role("alert")
    assert "mallory@elsewhere.test cannot log in here" in alert.inner_text()
    assert not get_user_model().objects.exists()
