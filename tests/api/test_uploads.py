"""POST /api/v1/uploads: a file or a link, kept as the caller's photo."""

from __future__ import annotations

from generator.models import InputImage
from tests.base import WATERCOLOR
from tests.conftest import image_bytes
from tests.live import ApiTestCase, assert_error_shape


class UploadTests(ApiTestCase):
    def test_it_keeps_a_file_and_says_what_it_changed(self):
        content = image_bytes("WEBP", size=(300, 200))
        response = self.api("POST", "/uploads", files={"file": ("p.webp", content)})
        assert response.status_code == 201, response.text
        body = response.json()
        photo = InputImage.objects.get(pk=body["id"])
        assert photo.owner == self.owner and photo.run is None
        assert (body["width"], body["height"]) == (300, 200)
        assert any("WEBP" in note for note in body["notes"])

    def test_it_fetches_a_link(self):
        link = f"{self.sandbox.url}/files/assets/cover-{WATERCOLOR}.jpg"
        response = self.api("POST", "/uploads", data={"image_url": link})
        assert response.status_code == 201, response.text
        assert InputImage.objects.get().source_url == link

    def test_it_refuses_links_to_private_addresses(self):
        link = f"{self.sandbox.url}/files/assets/cover-{WATERCOLOR}.jpg"
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=False):
            response = self.api("POST", "/uploads", data={"image_url": link})
        body = assert_error_shape(response, 422, "invalid_image")
        assert body["message"] == "We could not fetch an image from that link."

    def test_it_refuses_what_is_not_an_image(self):
        response = self.api("POST", "/uploads", files={"file": ("x.jpg", b"hello")})
        body = assert_error_shape(response, 422, "invalid_image")
        assert body["fields"]["file"] and InputImage.objects.count() == 0

    def test_it_wants_a_file_or_a_link(self):
        assert_error_shape(self.api("POST", "/uploads"), 422, "invalid")
