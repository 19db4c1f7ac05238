"""Submitting the app form: upload, generate once, record the run."""

import uuid

import pytest
from django.core.files.base import ContentFile

from generator.models import InputImage, Run
from tests.base import WATERCOLOR, BaseTestCase, photo
from tests.conftest import image_bytes


class SubmitTests(BaseTestCase):
    def setUp(self):
        self.login()
        self.key = self.form_key(self.form_page())

    @pytest.mark.storage
    def test_it_starts_a_run_and_lands_on_its_page(self):
        response = self.submit(data=self.watercolor_post(self.key))
        run = self.only_run()
        assert response.status_code == 302
        assert response["Location"] == f"/generations/{run.id}/"
        assert run.task_id.isdigit() and run.state == Run.State.RUNNING
        assert run.points_quoted == 2 and run.generate_num == 2
        assert run.app_id == WATERCOLOR and run.version_id
        assert run.language == "en_US" and run.user == self.owner
        assert run.params["style"]["name"] == "Vivid"
        assert run.params["size"]["label"] == "16:9"
        assert run.params["description"][0]["value"] == "red"
        assert run.request_body["generateNum"] == "2"
        assert "apiKey" not in str(run.request_body)
        (image,) = run.inputs.all()
        assert image.a1_path.startswith("upload/") and image.a1_image_url.startswith("http")
        assert image.file.size > 0 and (image.width, image.height) == (300, 400)
        stats = self.sandbox.stats()
        assert stats["calls"]["generate"] == 1 and stats["points_spent"]["sandbox"] == 2

    def test_it_never_sends_the_same_form_twice(self):
        first = self.submit(data=self.watercolor_post(self.key))
        second = self.submit(data=self.watercolor_post(self.key))
        assert first["Location"] == second["Location"]
        assert Run.objects.count() == 1
        assert self.sandbox.calls("generate") == 1

    def test_it_redirects_htmx_submissions_with_hx_redirect(self):
        response = self.submit(data=self.watercolor_post(self.key), HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"] == f"/generations/{self.only_run().id}/"

    def test_it_works_for_a_text_only_app(self):
        app_id = self.sandbox.app_with("text_to_image")["id"]
        key = self.form_key(self.form_page(app_id))
        data = {
            "idempotency_key": key,
            "desc_1838546335507166010": "a lighthouse",
            "style": "183854633550716611",
            "size": "1",
            "generate_num": "1",
        }
        assert self.submit(app_id, data).status_code == 302
        assert self.only_run().task_id

    def test_it_sends_group_photos_with_their_positions(self):
        app_id = self.sandbox.app_with("group_photo")["id"]
        key = self.form_key(self.form_page(app_id))
        data = {
            "idempotency_key": key,
            "cnet_1838546335507168010_p0": photo("a.jpg"),
            "cnet_1838546335507168010_p1": photo("b.png", "PNG"),
            "style": "183854633550716811",
            "generate_num": "1",
        }
        assert self.submit(app_id, data).status_code == 302
        cnet = self.only_run().request_body["cnet"]
        assert [c["position"] for c in cnet] == ["0", "1"]

    def test_it_shows_a_missing_photo_next_to_its_field_and_keeps_the_rest(self):
        response = self.submit(data=self.watercolor_post(self.key, cnet_17466175263110005=None))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="id_cnet_17466175263110005-error"' in html and "Choose a photo" in html
        assert 'value="red"' in html and f'value="{self.key}"' in html
        assert self.sandbox.calls("generate") == 0 and Run.objects.count() == 0

    @pytest.mark.storage
    def test_it_keeps_a_good_photo_when_another_field_is_wrong(self):
        response = self.submit(data=self.watercolor_post(self.key, size="9"))
        html = response.content.decode()
        (kept,) = InputImage.objects.filter(owner=self.owner)
        assert f'name="cnet_17466175263110005_staged" value="{kept.id}"' in html
        assert f"/media/inputs/{kept.id}" in html
        fixed = self.watercolor_post(
            self.key, cnet_17466175263110005=None, cnet_17466175263110005_staged=str(kept.id)
        )
        assert self.submit(data=fixed).status_code == 302
        assert self.only_run().inputs.get().file.name == kept.file.name
        assert self.sandbox.calls("upload") == 1

    def test_it_ignores_a_kept_photo_that_belongs_to_someone_else(self):
        theirs = InputImage(owner=self.outsider, given_by=self.outsider)
        theirs.file.save("x.jpg", ContentFile(image_bytes()), save=True)
        data = self.watercolor_post(
            self.key, cnet_17466175263110005=None, cnet_17466175263110005_staged=str(theirs.id)
        )
        response = self.submit(data=data)
        assert response.status_code == 200 and b"Choose a photo" in response.content

    def test_it_takes_a_photo_by_link(self):
        upload = self.sandbox_upload_url()
        data = self.watercolor_post(
            self.key, cnet_17466175263110005=None, cnet_17466175263110005_url=upload
        )
        assert self.submit(data=data).status_code == 302
        assert self.only_run().inputs.get().source_url == upload

    def sandbox_upload_url(self) -> str:
        return f"{self.sandbox.url}/files/assets/cover-{WATERCOLOR}.jpg"

    def test_it_refuses_links_to_private_addresses_before_fetching(self):
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=False):
            for url in (self.sandbox_upload_url(), "http://10.0.0.8/x.jpg", "http://[::1]/x.png"):
                data = self.watercolor_post(
                    self.key, cnet_17466175263110005=None, cnet_17466175263110005_url=url
                )
                response = self.submit(data=data)
                assert response.status_code == 200
                assert b"We could not fetch an image from that link." in response.content
        assert self.sandbox.calls("upload") == 0

    def test_it_refuses_links_that_are_not_http(self):
        data = self.watercolor_post(
            self.key, cnet_17466175263110005=None, cnet_17466175263110005_url="ftp://x.org/a.jpg"
        )
        assert b"We could not fetch an image from that link." in self.submit(data=data).content

    def test_it_rejects_a_forged_or_missing_idempotency_key_and_offers_a_fresh_one(self):
        for key in ("", "not-a-uuid"):
            response = self.submit(data=self.watercolor_post(key))
            assert response.status_code == 200
            assert b"This form has expired" in response.content
            uuid.UUID(self.form_key(response))  # a new, valid key: pressing again works
            assert 'value="red"' in response.content.decode()  # nothing typed is lost
        assert self.sandbox.calls("generate") == 0

    def test_it_refuses_impossible_quantities(self):
        for value in ("0", "5", "x", ""):
            response = self.submit(data=self.watercolor_post(str(uuid.uuid4()), generate_num=value))
            assert response.status_code == 200
            assert (
                b"between 1 and 4" in response.content
                or b"This field is required" in response.content
            )
        assert self.sandbox.calls("generate") == 0

    def test_it_refuses_more_than_one_image_from_a_node_app(self):
        app_id = self.sandbox.app_with("node")["id"]
        key = self.form_key(self.form_page(app_id))
        data = {"idempotency_key": key, "cnet_1838546335507169010": photo(), "generate_num": "2"}
        response = self.submit(app_id, data)
        assert response.status_code == 200 and b"between 1 and 1" in response.content


class UpstreamErrorTests(BaseTestCase):
    def setUp(self):
        self.login()
        self.key = self.form_key(self.form_page())

    def test_it_rebuilds_the_form_when_the_app_was_updated_and_keeps_everything(self):
        new_version = self.sandbox.bump(WATERCOLOR)
        response = self.submit(data=self.watercolor_post(self.key))
        html = response.content.decode()
        assert response.status_code == 200
        assert "just updated it" in html and f'data-version="{new_version}"' in html
        assert 'value="red"' in html and 'value="183854633550716522" checked' in html.replace(
            " required", ""
        ).replace('id="id_style_1" ', "")
        (kept,) = InputImage.objects.filter(owner=self.owner)
        assert f'value="{kept.id}"' in html
        assert Run.objects.count() == 0
        confirm = self.watercolor_post(
            self.key, cnet_17466175263110005=None, cnet_17466175263110005_staged=str(kept.id)
        )
        assert self.submit(data=confirm).status_code == 302
        assert self.only_run().version_id == new_version

    def test_it_records_an_unknown_outcome_honestly_and_never_resends(self):
        self.sandbox.knobs(drop_rate=1, faults_on="generate")
        response = self.submit(data=self.watercolor_post(self.key))
        run = self.only_run()
        assert run.state == Run.State.UNKNOWN and run.task_id == ""
        page = self.client.get(response["Location"]).content.decode()
        assert "did not hear back" in page and "not sent again" in page
        self.submit(data=self.watercolor_post(self.key))  # the user presses submit again
        assert self.sandbox.calls("generate") == 1

    def test_it_explains_an_empty_balance_and_stores_nothing(self):
        self.sandbox.set_balance(1)
        response = self.submit(data=self.watercolor_post(self.key))
        assert response.status_code == 200
        assert b"run out of points" in response.content
        assert Run.objects.count() == 0

    def test_it_explains_rate_limiting(self):
        self.sandbox.knobs(throttle_seconds=60)
        response = self.submit(data=self.watercolor_post(self.key))
        assert response.status_code == 200 and b"busy right now" in response.content

    def test_it_explains_a_bad_key_without_showing_it(self):
        with self.settings(A1_API_KEY="sk-live-very-secret"):
            response = self.submit(data=self.watercolor_post(self.key))
        assert response.status_code == 200 and b"A1 API key" in response.content
        assert b"sk-live-very-secret" not in response.content

    def test_it_shows_messages_in_chinese_for_chinese_users(self):
        self.sandbox.set_balance(0)
        response = self.submit(data=self.watercolor_post(self.key), HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200
        assert "点数" in response.content.decode()
