"""In a real browser: make an API key, use it from a script, revoke it; read the API docs."""

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


def test_it_serves_working_api_docs_under_our_csp(live_server, owner, new_page):
    page = new_page()
    refused = []
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/runs" in paths and "/api/v1/history" in paths
    page.locator(".opblock-summary-path", has_text="/api/v1/me").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.wait_for_selector(".live-responses-table .response-col_status")
    assert '"username": "owner"' in page.inner_text(".live-responses-table")
    assert refused == []
