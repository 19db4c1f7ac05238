"""/apps/: opening any app by id or link, and the apps the team opened lately."""

import pytest

from tests.base import WATERCOLOR, BaseTestCase


class AppIndexTests(BaseTestCase):
    def test_it_requires_login(self):
        response = self.client.get("/apps/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_it_offers_apps_my_team_opened_lately_for_the_library(self):
        self.login(self.teammate)
        self.form_page()
        self.login(self.owner)
        html = self.client.get("/apps/").content.decode()
        recent = html[html.index('id="recent-heading"') :]
        assert f'href="/apps/{WATERCOLOR}/">Watercolor portrait</a>' in recent
        assert f'name="apps" value="{WATERCOLOR}"' in recent

    def test_it_does_not_offer_apps_only_other_teams_opened(self):
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
