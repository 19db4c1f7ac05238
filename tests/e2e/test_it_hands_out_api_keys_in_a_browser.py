"""In a real browser: make an API key, use it from a script, revoke it (the API docs: test_it_documents_the_api.py)."""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.e2e.conftest import PASSWORD, log_in


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


def test_it_shows_a_key_once_which_then_works_until_revoked(live_server, owner, new_page):
    page = new_page()
    log_in(page, live_server.url, "owner")
    page.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("Points per month").fill("100")
    page.get_by_role("button", name="Create key").click()

    token = page.get_by_label("Key", exact=True).input_value()
    assert token.startswith("a1s_")
    me = f"{live_server.url}/api/v1/me"
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(me, headers=auth, timeout=10).json()["key"]["name"] == "nightly export"

    page.reload()
    assert token not in page.content()  # shown once
    page.get_by_role("button", name="Revoke nightly export").click()
    assert page.get_by_text("it stopped working now").is_visible()
    assert requests.get(me, headers=auth, timeout=10).json()["code"] == "invalid_key"
