"""/apps/: the apps the team opened, and opening one by id or link."""

import pytest

from tests.portal.base import WATERCOLOR, BaseTestCase


class AppIndexTests(BaseTestCase):
    def test_it_requires_login(self):
        response = self.client.get("/apps/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_it_lists_apps_my_team_opened_with_cover_name_and_cost(self):
        self.login(self.teammate)
        self.form_page()
        self.login(self.owner)
        response = self.client.get("/apps/")
        assert b"Watercolor portrait" in response.content
        assert b"1 point per image" in response.content and b"(per image)" not in response.content
        assert b"used just now" in response.content and b"0 minutes" not in response.content
        assert f'href="/apps/{WATERCOLOR}/"'.encode() in response.content

    def test_it_says_how_long_ago_an_app_was_used(self):
        from datetime import timedelta

        from django.utils import timezone

        from generator.models import AppVisit

        self.login()
        self.form_page()
        AppVisit.objects.update(last_opened=timezone.now() - timedelta(hours=3))
        assert b"used 3\xc2\xa0hours ago" in self.client.get("/apps/").content

    def test_it_shows_a_bad_app_id_error_without_repeating_the_help(self):
        self.login()
        html = self.client.get("/apps/", {"app": "not an app"}).content.decode()
        assert "Paste an app id (a long number)" in html
        assert "Paste the app&#x27;s id" not in html and 'aria-describedby="app-error"' in html

    def test_it_does_not_list_apps_only_other_teams_opened(self):
        self.login(self.outsider)
        self.form_page()
        self.login(self.owner)
        assert b"Watercolor portrait" not in self.client.get("/apps/").content

    def test_it_costs_no_upstream_call_to_list_apps(self):
        self.login()
        self.form_page()
        calls = self.sandbox.stats()["calls"]
        self.client.get("/apps/")
        assert self.sandbox.stats()["calls"] == calls


@pytest.mark.parametrize(
    "text",
    [
        WATERCOLOR,
        f" {WATERCOLOR} ",
        f"https://a1.art/app/{WATERCOLOR}",
        f"https://www.a1.art/zh/apps/{WATERCOLOR}?from=share",
        f"a1.art/app/{WATERCOLOR}",
        f"https://a1art.xiaopiu.com/detail?id={WATERCOLOR}",
    ],
)
def test_it_opens_an_app_by_id_or_link(client, django_user_model, text):
    client.force_login(django_user_model.objects.create_user("u"))
    response = client.get("/apps/", {"app": text})
    assert response.status_code == 302 and response["Location"] == f"/apps/{WATERCOLOR}/"


@pytest.mark.parametrize(
    "text",
    ["hello", "123", f"https://evil.example/app/{WATERCOLOR}", "javascript:alert(1)", ""],
)
def test_it_explains_what_it_cannot_open_next_to_the_field(client, django_user_model, text):
    client.force_login(django_user_model.objects.create_user("u"))
    response = client.get("/apps/", {"app": text})
    assert response.status_code == 200
    assert b'aria-invalid="true"' in response.content
    assert b'class="field-error" id="app-error"' in response.content
