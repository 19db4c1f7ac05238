"""/apps/<id>/: the app's page and the form built from its formArr."""

import re

import pytest

from generator.models import AppDefinition, Run
from tests.base import WATERCOLOR, BaseTestCase


class AppDetailTests(BaseTestCase):
    def setUp(self):
        self.login()

    def test_it_shows_name_cover_description_cost_and_a_field_per_form(self):
        html = self.form_page().content.decode()
        assert "Watercolor portrait" in html and "Turn a photo into a watercolor painting" in html
        assert "/files/assets/cover-" in html
        assert 'name="cnet_17466175263110005"' in html and 'type="file"' in html
        assert 'name="cnet_17466175263110005_url"' in html
        assert 'name="desc_1838546335507165192"' in html and 'placeholder="e.g. red"' in html
        assert html.count('name="style"') == 3 and "/files/assets/style-" in html
        assert html.count('name="size"') == 7 and "16:9" in html
        assert html.count('name="generate_num"') == 4
        assert html.count("<legend>Who sees it, and who pays</legend>") == 1  # one sharing choice
        assert "Either way its points count against your budget and the team" in html
        assert html.count('name="team"') == 1 and html.count('name="visibility"') == 2
        assert "This run costs <strong>1</strong> point." in html

    def test_it_builds_one_photo_field_per_group_photo_position(self):
        app_id = self.sandbox.app_with("group_photo")["id"]
        html = self.form_page(app_id).content.decode()
        assert 'name="cnet_1838546335507168010_p0"' in html
        assert 'name="cnet_1838546335507168010_p1"' in html
        assert "person 2" in html

    def test_it_fixes_node_apps_to_one_image_and_quotes_their_nodes(self):
        html = self.form_page(self.sandbox.app_with("node")["id"]).content.decode()
        assert 'type="hidden" name="generate_num" value="1"' in html
        assert "This run costs <strong>3</strong> points." in html

    def test_it_builds_one_text_field_per_description_input(self):
        html = self.form_page(self.sandbox.app_with("multi_input")["id"]).content.decode()
        for input_id in ("1838546335507167011", "1838546335507167012", "1838546335507167013"):
            assert f'name="desc_{input_id}"' in html
        assert "adventurer&#x27;s cloak" in html  # the input's default

    def test_it_shows_unknown_optional_forms_with_a_note(self):
        html = self.form_page("1838546335502970890").content.decode()
        assert "cannot be set through the A1 API" in html and "(brush)" in html
        assert '<button class="btn btn-primary" type="submit">' in html

    def test_it_caches_the_definition_so_a_second_view_costs_nothing(self):
        self.form_page()
        self.form_page()
        assert self.sandbox.calls("app") == 1
        assert AppDefinition.objects.filter(app_id=WATERCOLOR).count() == 1

    def test_it_shows_the_app_in_the_users_language(self):
        html = self.form_page(HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "水彩肖像" in html and "柔和" in html

    def test_it_lets_the_user_pick_another_app_language(self):
        html = self.client.get(f"/apps/{WATERCOLOR}/?language=zh_CN").content.decode()
        assert "水彩肖像" in html and 'value="zh_CN" selected' in html

    def test_changing_the_app_language_keeps_the_photo_text_and_size(self):
        key = self.form_key(self.form_page())
        data = self.watercolor_post(key, size="6", desc_1838546335507165192="auburn curls")
        response = self.client.post(
            f"/apps/{WATERCOLOR}/relabel/", {**data, "language": "zh_CN", "relabel": "1"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/apps/{WATERCOLOR}/?language=zh_CN"
        assert not Run.objects.exists() and self.sandbox.calls("generate") == 0  # nothing ran
        html = self.client.get(response["Location"]).content.decode()
        assert "水彩肖像" in html and 'value="zh_CN" selected' in html  # the new language
        assert 'name="desc_1838546335507165192" value="auburn curls"' in html
        assert re.search(r'name="size" value="6"[^>]*checked', html)
        assert f'name="idempotency_key" value="{key}"' in html
        staged = re.search(r'name="cnet_17466175263110005_staged" value="([0-9a-f-]+)"', html)
        assert staged, "the chosen photo is not kept"
        # Generate from there: the kept photo goes with it, nothing is given again.
        data = {k: v for k, v in data.items() if k != "cnet_17466175263110005"}
        data["cnet_17466175263110005_staged"] = staged.group(1)
        done = self.client.post(f"/apps/{WATERCOLOR}/?language=zh_CN", data)
        assert done.status_code == 302, done.content.decode()[:3000]
        assert str(Run.objects.get().inputs.get().pk) == staged.group(1)

    def test_the_show_button_is_part_of_the_filled_form(self):
        html = self.form_page().content.decode()
        assert '<select id="app-language" name="language" form="app-form">' in html
        assert (
            f'form="app-form" name="relabel" value="1" formaction="/apps/{WATERCOLOR}/relabel/"'
            in html
        )

    def test_it_escapes_whatever_an_app_author_writes(self):
        self.sandbox.knobs(dialect="hostile")
        html = self.form_page().content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "<b onmouseover" not in html and "</label><script>" not in html
        assert "&lt;script&gt;alert(&#x27;app&#x27;)&lt;/script&gt;" in html
        assert "javascript:" not in html

    def test_it_reads_the_app_in_every_dialect(self):
        for dialect in ("labels", "numeric", "sparse", "all"):
            self.sandbox.reset(dialect=dialect)
            AppDefinition.objects.all().delete()
            html = self.form_page().content.decode()
            assert 'name="cnet_17466175263110005"' in html, dialect
            assert "Hair colour" in html and "Soft" in html, dialect


@pytest.mark.parametrize(
    ("case", "status", "text"),
    [
        ("api_disabled", 200, "cannot be used through the A1 API"),
        ("unpublished", 200, "unpublished draft"),
        ("vip", 200, "VIP app"),
    ],
)
def test_it_shows_a_clear_page_for_apps_the_api_cannot_serve(
    admin_client, sandbox, settings, case, status, text
):
    settings.A1_BASE_URL = sandbox.url
    response = admin_client.get(f"/apps/{sandbox.app_with(case)['id']}/")
    assert response.status_code == status
    assert text in response.content.decode()
    assert b'type="file"' not in response.content


def test_it_says_when_there_is_no_such_app(admin_client, sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    response = admin_client.get("/apps/1111111111111111111/")
    assert response.status_code == 404
    assert b"There is no A1 app with this id." in response.content


def test_it_says_when_a1_cannot_be_reached_instead_of_failing(admin_client, sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    sandbox.knobs(error_rate=1)
    response = admin_client.get(f"/apps/{WATERCOLOR}/")
    assert response.status_code == 503
    assert b"Try again" in response.content


class AppLanguageTests(BaseTestCase):
    def test_it_says_when_a1_has_no_text_in_the_chosen_language(self):
        self.login()
        page = self.client.get(f"/apps/{WATERCOLOR}/?language=ja_JP").content.decode()
        assert "A1 has no 日本語 text for this app" in page
        for language in ("en_US", "zh_CN"):
            page = self.client.get(f"/apps/{WATERCOLOR}/?language={language}").content.decode()
            assert "A1 has no" not in page
