"""The API documentation page (/api/v1/docs): a reference drawn on the server from the
OpenAPI schema, with Swagger UI loaded only when a person asks to try a call."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from api import api
from api.reference import reference_build
from tests.e2e.conftest import PASSWORD, log_in

DOCS = "/api/v1/docs"
SWAGGER_SCRIPT = "swagger-ui-bundle.js"


@pytest.fixture
def owner(transactional_db):
    return get_user_model().objects.create_user("owner", password=PASSWORD)


@pytest.fixture
def client_in(owner):
    client = Client()
    client.force_login(owner)
    return client


def test_it_lists_every_operation_of_the_schema(client_in):
    schema = client_in.get("/api/v1/openapi.json").json()
    html = client_in.get(DOCS).content.decode()
    listed = set(
        re.findall(r'class="api-method api-\w+">(\w+)</span> <code lang="en">([^<]+)<', html)
    )
    expected = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert len(expected) >= 20 and listed == expected
    for name in schema["components"]["schemas"]:
        assert f'id="schema-{name}"' in html


def test_it_shows_parameters_bodies_and_answers(client_in):
    html = client_in.get(DOCS).content.decode()
    runs = html.split('id="op-api_runs_run_create"')[1].split("</details>")[0]
    assert "Request body" in runs and 'href="#schema-RunIn"' in runs
    assert "Idempotency-Key" in runs and '<th scope="row">201</th>' in runs
    assert '<th scope="row">422</th>' in runs and 'href="#schema-ErrorOut"' in runs


def test_it_does_not_load_swagger_until_asked(client_in):
    html = client_in.get(DOCS).content.decode()
    assert SWAGGER_SCRIPT not in html and "swagger-ui.css" not in html
    assert 'href="/api/v1/docs?try=1#api-try-title"' in html
    assert 'href="/api/v1/openapi.json"' in html
    asked = client_in.get(DOCS, {"try": "1"}).content.decode()
    assert SWAGGER_SCRIPT in asked and 'id="swagger-ui"' in asked


def test_it_words_the_page_in_the_persons_language(client_in):
    html = client_in.get(DOCS, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "パラメーター" in html and "レスポンス" in html
    assert "Parameters</caption>" not in html


def test_it_asks_strangers_to_log_in(transactional_db):
    response = Client().get(DOCS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_tries_a_call_after_the_person_asks(live_server, owner, new_page):
    page = new_page()
    scripts, refused = [], []
    page.on("request", lambda r: scripts.append(r.url) if SWAGGER_SCRIPT in r.url else None)
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on("pageerror", lambda e: refused.append(str(e)))
    log_in(page, live_server.url, "owner")
    page.goto(f"{live_server.url}{DOCS}")
    page.get_by_text("/api/v1/me", exact=True).first.click()
    assert page.get_by_role("cell", name="MeOut").first.is_visible()
    page.get_by_role("link", name="MeOut").first.click()
    expect(page.locator("#schema-MeOut")).to_have_attribute("open", "")
    assert scripts == [] and page.locator("#swagger-ui").count() == 0
    page.get_by_role("link", name="Load Swagger UI to try calls").click()
    page.wait_for_selector(".opblock-summary-path")
    assert len(scripts) == 1
    page.locator(".opblock-summary-path", has_text="/api/v1/me").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.wait_for_selector(".live-responses-table .response-col_status")
    assert '"username": "owner"' in page.inner_text(".live-responses-table")
    assert refused == []


def test_it_builds_the_reference_from_the_api_itself():
    groups, shapes = reference_build(schema=api.get_openapi_schema())
    assert any(op.path == "/api/v1/me" for group in groups for op in group.operations)
    assert any(shape.name == "EnhanceIn" and shape.one_of for shape in shapes)
    run_in = next(shape for shape in shapes if shape.name == "RunIn")
    visibility = next(f for f in run_in.fields if f.name == "visibility")
    assert visibility.kind == 'string: "", "private", "team"'  # the empty choice is seen
