"""GET /apps/{appId}, POST /images/upload and /images/optimize through the gateway."""

from __future__ import annotations

from a1 import Code
from gateway.views import task_id_of
from generator.models import ApprovalPolicy, InputImage, Run
from tests.base import WATERCOLOR
from tests.conftest import image_bytes
from tests.gateway.base import GatewayTestCase, envelope


class AppTests(GatewayTestCase):
    def test_it_answers_the_app_as_a1_describes_it(self):
        app = envelope(self.a1("GET", f"/apps/{WATERCOLOR}?language=en_US"))["data"]
        assert app["id"] == WATERCOLOR and app["versionId"] and app["formArr"]

    def test_it_answers_a1s_code_for_an_app_that_does_not_exist(self):
        envelope(self.a1("GET", "/apps/1838546335502979999"), Code.APP_NOT_FOUND)
        envelope(self.a1("GET", "/apps/not-digits"), Code.APP_NOT_FOUND)

    def test_it_answers_a1s_code_for_an_app_the_api_cannot_use(self):
        app_id = self.sandbox.app_with("api_disabled")["id"]
        envelope(self.a1("GET", f"/apps/{app_id}"), Code.APP_API_DISABLED)

    def test_it_applies_the_allow_list(self):
        with self.settings(APPS_ALLOW_ANY=False):
            envelope(self.a1("GET", f"/apps/{WATERCOLOR}"), Code.APP_API_DISABLED)


class UploadTests(GatewayTestCase):
    def test_it_keeps_the_photo_and_names_it_in_path(self):
        data = self.upload()
        (photo,) = InputImage.objects.all()
        assert data["path"] == f"studio/{photo.pk}" and photo.owner == self.owner
        assert self.sandbox.calls("upload") == 0  # sent to A1 only when a run needs it

    def test_it_answers_a1s_codes_for_bad_files(self):
        def post(**kwargs):
            return self.a1("POST", "/images/upload", **kwargs)

        envelope(post(), Code.MISSING_FILE)
        two = [("file", ("a.jpg", image_bytes())), ("file", ("b.jpg", image_bytes()))]
        envelope(post(files=two), Code.MORE_THAN_ONE_FILE)
        envelope(post(files={"file": ("a.jpg", b"not an image")}), Code.NOT_AN_IMAGE)
        gif = image_bytes("GIF")
        envelope(post(files={"file": ("a.gif", gif)}), Code.FORMAT_NOT_SUPPORTED)
        # Any pixel size is taken (A1's document limits only optimize): test_as_a1_accepts.
        assert InputImage.objects.count() == 0

    def test_it_takes_an_image_link(self):
        link = f"{self.sandbox.url}/files/assets/cover-{WATERCOLOR}.jpg"
        data = envelope(self.a1("POST", "/images/upload", data={"imageUrl": link}))["data"]
        assert InputImage.objects.get().source_url == link and data["path"].startswith("studio/")

    def test_it_refuses_links_to_private_addresses(self):
        link = f"{self.sandbox.url}/files/assets/cover-{WATERCOLOR}.jpg"
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=False):
            response = self.a1("POST", "/images/upload", data={"imageUrl": link})
        assert (
            "We could not fetch an image from that link."
            in envelope(response, Code.FILE_ERROR)["msg"]
        )


class OptimizeTests(GatewayTestCase):
    def test_it_enhances_an_upload_for_three_points(self):
        data = self.upload()
        task_id = envelope(self.a1("POST", "/images/optimize", json=data))["data"]["taskId"]
        (run,) = Run.objects.all()
        assert run.kind == "enhance" and run.points_quoted == 3
        assert run.api_key == self.key and task_id_of(run) == task_id
        assert self.sandbox.calls("optimize") == 1

    def test_it_answers_324019_over_the_approval_threshold_and_spends_nothing(self):
        data = self.upload()
        ApprovalPolicy.objects.create(threshold=2)  # staff's, for everyone
        body = envelope(self.a1("POST", "/images/optimize", json=data), Code.APP_VIP_ONLY)
        assert "over the approval threshold of 2" in body["msg"]
        assert not Run.objects.exists() and self.sandbox.calls("optimize") == 0

    def test_it_answers_10001_without_path_or_image_url(self):
        envelope(self.a1("POST", "/images/optimize", json={"path": "x"}), Code.INVALID_PARAMS)
