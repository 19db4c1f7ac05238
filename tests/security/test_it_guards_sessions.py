"""Session fixation, logout, and CSRF on every state-changing URL (log-in throttling:
tests/accounts/test_it_throttles_log_ins.py)."""

import uuid

import pytest
from django.test import Client

from tests.base import PASSWORD, BaseTestCase


class LoginTests(BaseTestCase):
    def attempt(self, password, username="owner", client=None):
        return (client or self.client).post(
            "/accounts/login/", {"username": username, "password": password}
        )

    def test_it_gives_a_new_session_key_on_log_in(self):
        self.client.get("/accounts/login/")
        self.client.session.save()
        before = self.client.session.session_key
        self.attempt(PASSWORD)
        assert self.client.session.session_key != before

    def test_it_logs_out_only_by_post_and_then_nothing_is_visible(self):
        self.login()
        assert self.client.get("/accounts/logout/").status_code == 405
        self.client.post("/accounts/logout/")
        assert self.client.get("/history/").status_code == 302


STATE_CHANGING = [
    "/accounts/login/",
    "/accounts/logout/",
    f"/apps/{'1838546335502970881'}/",
    "/enhance/",
    "/generations/{id}/rerun/",
    "/generations/{id}/resume/",
    "/generations/{id}/favourite/",
    "/generations/{id}/delete/",
    "/generations/{id}/share/",
    "/team/preferences/",
    "/team/1/invite/",
    "/team/join/some-token/",
    "/i18n/setlang/",
    "/admin/generator/run/",
]


@pytest.mark.parametrize("path", STATE_CHANGING)
def test_every_state_changing_request_needs_the_csrf_token(path, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(path.format(id=uuid.uuid4()), {"x": "1"})
    assert response.status_code == 403
