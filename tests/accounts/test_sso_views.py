"""/sso/start/ and /sso/callback/ when things go wrong: a sentence, never an error page."""

import pytest

from tests.accounts.sso_stack import CLIENT_ID, CLIENT_SECRET
from tests.conftest import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso(settings):
    settings.SSO_ENABLED = True
    settings.SSO_ISSUER = f"http://127.0.0.1:{free_port()}"  # nobody answers there
    settings.SSO_CLIENT_ID, settings.SSO_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.SSO_NAME = "Corp SSO"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "accounts.sso.SsoBackend",
    ]


def test_it_explains_a_provider_that_cannot_be_reached(client, sso):
    response = client.get("/sso/start/?next=/history/")
    assert response["Location"] == "/accounts/login/?next=/history/"
    page = client.get(response["Location"]).content.decode()
    assert "The sign-on service could not be reached. Try again shortly." in page
    assert "could not be reached" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize(
    "query",
    ["code=stolen&state=made-up", "error=access_denied&state=made-up", ""],
    ids=["unknown state", "refused at the provider", "nothing"],
)
def test_it_turns_a_failed_return_into_a_message(client, sso, query):
    response = client.get(f"/sso/callback/?{query}")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert "Single sign-on did not complete. Try again." in page


def test_it_has_no_single_sign_on_pages_when_it_is_off(client):
    assert client.get("/sso/start/").status_code == 404
    assert client.get("/sso/callback/?code=x&state=y").status_code == 404
    assert "Log in with" not in client.get("/accounts/login/").content.decode()


def test_it_turns_a_replayed_return_into_a_message(client, sso):
    session = client.session
    session["oidc_states"] = {"mine": {"nonce": "n", "code_verifier": "v" * 64, "added_on": 0}}
    session.save()
    response = client.get("/sso/callback/?code=stolen&state=someone-elses")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "did not complete" in client.get("/accounts/login/").content.decode()


def test_it_ends_the_session_of_a_disabled_account(client, sso, django_user_model):
    alice = django_user_model.objects.create_user("alice", email="alice@corp.test")
    client.force_login(alice, backend="accounts.sso.SsoBackend")
    assert client.get("/apps/").status_code == 200
    django_user_model.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/apps/")["Location"] == "/accounts/login/?next=/apps/"
