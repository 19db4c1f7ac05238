"""Whatever arrives in the form: a message or a redirect, never a 500, never stored script."""

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from generator.models import InputImage, Run
from tests.base import BaseTestCase, photo
from tests.conftest import image_bytes

FIELDS = [
    "idempotency_key",
    "cnet_17466175263110005_url",
    "cnet_17466175263110005_staged",
    "desc_1838546335507165192",
    "desc_999999999999999999",
    "style",
    "size",
    "generate_num",
    "visibility",
    "team",
]
VALUES = st.one_of(
    st.text(max_size=1200),
    st.sampled_from(["", "0", "5", "-1", "x", "1e9", "null", "[]", "<script>alert(1)</script>", "../../etc/passwd", "javascript:alert(1)", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data", str(uuid.uuid4())]),
    st.integers().map(str),
)  # fmt: skip


class FuzzTests(BaseTestCase, HypothesisTestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=len(FIELDS)))
    def test_it_answers_any_form_data_with_a_form_or_a_redirect(self, data):
        self.client.force_login(self.owner)
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=False):
            response = self.submit(data=data)
        assert response.status_code in (200, 302)
        assert b"<script>alert(1)</script>" not in response.content


class HostileUploadTests(BaseTestCase):
    def setUp(self):
        self.login()
        self.key = self.form_key(self.form_page())

    def test_it_stores_files_under_its_own_names_and_escapes_theirs(self):
        hostile = "<img src=x onerror=alert(1)>.jpg"
        for name in (
            "../../../etc/passwd.jpg",
            hostile,
            "a\x00b.jpg",
            "x" * 400 + ".jpg",
        ):
            key = str(uuid.uuid4())
            data = self.watercolor_post(key, cnet_17466175263110005=photo(name))
            assert self.submit(data=data).status_code == 302, name
        for image in InputImage.objects.all():
            assert image.file.name.startswith("inputs/") and ".." not in image.file.name
            assert str(image.id) in image.file.name
        run = Run.objects.filter(inputs__original_name=hostile).get()
        page = self.client.get(f"/generations/{run.id}/").content.decode()
        assert "<img src=x onerror" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in page

    def test_it_refuses_files_that_are_not_images_whatever_their_name(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        for content in (
            b"",
            b"GIF89a" + b"\0" * 10,
            b"<html><script>alert(1)</script></html>",
            image_bytes()[:100],
        ):
            upload = SimpleUploadedFile("photo.jpg", content)
            response = self.submit(
                data=self.watercolor_post(self.key, cnet_17466175263110005=upload)
            )
            assert response.status_code == 200 and b'aria-invalid="true"' in response.content
        assert Run.objects.count() == 0

    def test_it_refuses_an_oversized_description_next_to_the_field(self):
        response = self.submit(
            data=self.watercolor_post(self.key, desc_1838546335507165192="x" * 1001)
        )
        assert response.status_code == 200
        assert b"at most 1000 characters" in response.content

    def test_it_ignores_fields_the_app_does_not_have(self):
        data = self.watercolor_post(self.key, desc_999999999999999999="sneaky", cnet_42="x")
        assert self.submit(data=data).status_code == 302
        body = Run.objects.get().request_body
        assert [c["id"] for c in body["cnet"]] == ["17466175263110005"]
        assert [d["id"] for d in body["description"]] == ["1838546335507165192"]
        assert "sneaky" not in str(body)

    def test_it_takes_one_value_of_a_duplicated_field(self):
        data = self.watercolor_post(self.key)
        data["style"] = ["183854633550716521", "183854633550716523"]
        assert self.submit(data=data).status_code == 302
        assert Run.objects.get().request_body["styleId"] in data["style"]

    def test_it_answers_app_ids_that_are_not_ids_without_asking_a1(self):
        for bad in ("abc", "1" * 40, "123abc", "%3Cscript%3E"):
            response = self.client.get(f"/apps/{bad}/")
            assert response.status_code == 404, bad
            assert b"There is no A1 app with this id." in response.content
        assert self.sandbox.calls("app") == 1  # only the form page in setUp
