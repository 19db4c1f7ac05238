"""The gateway accepts what A1's document accepts, and answers only what A1 would.

Each case is sent twice: by a plain `requests` script written from A1's document alone
(`DocumentScript`: it knows the five endpoints, the `apiKey` header, form-data for
uploads and JSON for generate, nothing of ours), and by the portal's own A1 client
(`a1/`), pointed at the portal instead of A1.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from PIL import Image

from a1 import A1Client, A1Error, CnetValue, Code, GenerateRequest
from generator.models import AppDefinition, InputImage, Run
from generator.runs.definitions import app_cost_set
from tests.base import WATERCOLOR
from tests.conftest import fast_retry, image_bytes
from tests.gateway.base import GatewayTestCase, envelope

CNET_FORM = "17466175263110005"
HAIR = "1838546335507165192"
SOFT = "183854633550716521"
NODE_APP = "1838546335502970885"  # a node app: no style, no size
NODE_PHOTO = "1838546335507169010"
EMOJI = "1838546335502970889"  # published in Chinese
INT64_MAX = 2**63 - 1


def phone_jpeg(size=(4032, 3024)) -> bytes:
    """What a phone camera saves: a large JPEG, small in bytes, with EXIF."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Phone"  # Make
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return buffer.getvalue()


def mpo_jpeg(size=(1200, 900)) -> bytes:
    """A JPEG with a multi-picture extension (Pillow reads it as "MPO"), as phones save."""
    first, second = Image.new("RGB", size, "teal"), Image.new("RGB", size, "orange")
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    content = buffer.getvalue()
    with Image.open(io.BytesIO(content)) as probe:
        assert probe.format == "MPO"
    return content


class DocumentScript:
    """A script written from A1's document only: base URL and key are all it is given."""

    def __init__(self, base: str, key: str):
        self.base, self.headers = base.rstrip("/"), {"apiKey": key}

    def app(self, app_id: str, **params) -> requests.Response:
        return requests.get(
            f"{self.base}/apps/{app_id}", params=params, headers=self.headers, timeout=30
        )

    def upload(self, content: bytes, name: str = "photo.jpg") -> requests.Response:
        files = {"file": (name, content, "image/jpeg")}
        return requests.post(
            f"{self.base}/images/upload", files=files, headers=self.headers, timeout=60
        )

    def generate(self, body: dict) -> requests.Response:
        return requests.post(
            f"{self.base}/images/generate", json=body, headers=self.headers, timeout=30
        )

    def task(self, task_id: str) -> requests.Response:
        return requests.get(f"{self.base}/tasks/{task_id}", headers=self.headers, timeout=30)


class AsA1Tests(GatewayTestCase):
    def setUp(self):
        super().setUp()
        self.base = self.url("/open-api/v1/a1")
        self.script = DocumentScript(self.base, self.token)
        # The client adds A1's path itself: only the host changes.
        self.client_a1 = A1Client(self.live_server_url, self.token, retry=fast_retry())

    def version(self, app_id=WATERCOLOR) -> str:
        return envelope(self.script.app(app_id, language="en_US"))["data"]["versionId"]

    def watercolor(self, upload: dict, **overrides) -> dict:
        body: dict[str, Any] = {
            "appId": WATERCOLOR,
            "versionId": self.version(),
            "generateNum": "1",
            "cnet": [{"id": CNET_FORM, "imageUrl": upload["imageUrl"], "path": upload["path"]}],
            "description": [{"id": HAIR, "value": "red"}],
            "styleId": SOFT,
            "size": {"sizeId": "2"},
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    # --- photos as phones make them ------------------------------------------------

    def test_a_4032x3024_phone_jpeg_is_taken_scaled_and_generates(self):
        content = phone_jpeg()
        assert len(content) < 10 * 1024 * 1024
        upload = envelope(self.script.upload(content))["data"]
        photo = InputImage.objects.get()
        assert max(photo.width, photo.height) == 2048  # kept as the portal's own path keeps
        task_id = envelope(self.script.generate(self.watercolor(upload)))["data"]["taskId"]
        # The sandbox, with its upload limit on (2048 a side), took what the portal sent.
        assert self.sandbox.stats()["knobs"]["upload_max_side"] == 2048
        assert self.sandbox.calls("upload") == 1 and self.sandbox.calls("generate") == 1
        # The portal's upload to A1 is form-data that names its real content type.
        assert self.sandbox.stats()["upload_forms"] == {"multipart/form-data image/jpeg": 1}
        self.finish(Run.objects.get().pk)
        task = envelope(self.script.task(task_id))["data"]
        assert task["state"] == 10 and len(task["images"]) == 1

    def test_the_portal_client_uploads_a_phone_jpeg_and_an_mpo(self):
        big = self.client_a1.upload_file(phone_jpeg(), "IMG_0001.JPG", "image/jpeg")
        mpo = self.client_a1.upload_file(mpo_jpeg(), "IMG_0002.jpg", "image/jpeg")
        assert big.path.startswith("studio/") and mpo.path.startswith("studio/")
        kept = InputImage.objects.order_by("created")
        assert [max(i.width, i.height) for i in kept] == [2048, 1200]
        app = self.client_a1.app(WATERCOLOR, language="en_US")
        task_id = self.client_a1.generate(
            GenerateRequest(
                app_id=WATERCOLOR,
                version_id=app.version_id,
                generate_num=1,
                cnet=(CnetValue(CNET_FORM, mpo.image_url, mpo.path),),
                description=((HAIR, "red"),),
                style_id=SOFT,
                size_id="2",
            )
        )
        assert int(task_id) <= INT64_MAX
        assert self.sandbox.calls("generate") == 1

    def test_the_portal_client_sends_values_for_forms_the_app_lacks(self):
        upload = self.client_a1.upload_file(image_bytes(size=(300, 400)), "a.jpg")
        app = self.client_a1.app(NODE_APP)
        task_id = self.client_a1.generate(
            GenerateRequest(
                app_id=NODE_APP,
                version_id=app.version_id,
                generate_num=1,
                cnet=(CnetValue(NODE_PHOTO, upload.image_url, upload.path),),
                description=(("description", "a literal id"),),
                style_id="42",
                size_id="3",
            )
        )
        assert 0 <= int(task_id) <= INT64_MAX
        assert self.client_a1.task(task_id).raw_state == "30"

    def test_the_portal_client_hears_20003_when_the_portals_a1_key_is_revoked(self):
        upload = self.client_a1.upload_file(image_bytes(size=(300, 400)), "a.jpg")
        version = self.version()
        with self.settings(A1_API_KEY="revoked"), pytest.raises(A1Error) as refused:
            self.client_a1.generate(
                GenerateRequest(
                    app_id=WATERCOLOR,
                    version_id=version,
                    generate_num=1,
                    cnet=(CnetValue(CNET_FORM, upload.image_url, upload.path),),
                    style_id=SOFT,
                    size_id="2",
                )
            )
        assert refused.value.code == Code.SERVICE_INTERNAL_ERROR  # never 10411 for our key
        assert Run.objects.count() == 0

    def test_an_mpo_is_taken(self):
        upload = envelope(self.script.upload(mpo_jpeg()))["data"]
        assert upload["path"].startswith("studio/")
        assert InputImage.objects.get().width == 1200

    def test_a_file_over_10_mb_is_still_400003(self):
        noise = Image.effect_noise((3000, 3000), 100).convert("RGB")
        buffer = io.BytesIO()
        noise.save(buffer, "PNG")
        assert buffer.tell() > 10 * 1024 * 1024
        envelope(self.script.upload(buffer.getvalue(), "noise.png"), Code.FILE_TOO_LARGE)

    def test_a_file_part_without_a_file_name_is_a_file(self):
        """`requests` sends no file name for `files={"file": (None, content, type)}`; the
        part is still the file, whatever its size (Django would make it lossy text)."""
        noise = Image.effect_noise((2400, 1800), 80).convert("RGB")
        buffer = io.BytesIO()
        noise.save(buffer, "JPEG", quality=98)
        big = buffer.getvalue()
        assert len(big) > 2621440  # beyond Django's cap on a text field
        png = image_bytes(size=(300, 400), fmt="PNG")
        for content, content_type in ((big, "image/jpeg"), (png, "image/png")):
            response = requests.post(
                f"{self.base}/images/upload",
                files={"file": (None, content, content_type)},
                headers={"apiKey": self.token},
                timeout=60,
            )
            assert b"filename" not in bytes(response.request.body or b"")[:300]
            assert envelope(response)["data"]["path"].startswith("studio/")
        kept = InputImage.objects.order_by("created")
        assert [(i.width, i.original_name) for i in kept] == [(2048, ""), (300, "")]
        too_big = envelope(
            requests.post(
                f"{self.base}/images/upload",
                files={"file": (None, b"\xff\xd8\xff" + bytes(11 * 1024 * 1024))},
                headers={"apiKey": self.token},
                timeout=60,
            ),
            Code.FILE_TOO_LARGE,
        )
        assert too_big["data"] is None

    # --- values for forms an app does not have ----------------------------------------

    def test_values_for_forms_the_app_lacks_are_dropped_not_refused(self):
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        body = {
            "appId": NODE_APP,
            "versionId": self.version(NODE_APP),
            "generateNum": "1",
            "cnet": [{"id": NODE_PHOTO, "imageUrl": upload["imageUrl"], "path": upload["path"]}],
            "description": [{"id": "description", "value": "a literal id"}],
            "styleId": "42",
            "size": {"sizeId": "3"},
        }
        with self.assertLogs("gateway.views", "INFO") as logs:
            envelope(self.script.generate(body))
        assert "styleId 42" in logs.output[0] and "size 3" in logs.output[0]
        assert "description description" in logs.output[0]
        run = Run.objects.get()
        assert run.params["style"] is None and run.params["size"] is None
        assert self.sandbox.calls("generate") == 1  # A1 (the sandbox) took what was sent

    def test_an_unknown_description_id_beside_a_known_one_is_dropped(self):
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        extra = [{"id": HAIR, "value": "red"}, {"id": "1", "value": "ignored"}]
        envelope(self.script.generate(self.watercolor(upload, description=extra)))
        assert Run.objects.get().params["description"][0]["value"] == "red"

    def test_a_wrong_style_for_an_app_with_styles_is_still_10001(self):
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        response = self.script.generate(self.watercolor(upload, styleId="42"))
        envelope(response, Code.INVALID_PARAMS)
        assert self.sandbox.calls("generate") == 0

    def test_a_node_app_without_kind_fields_answers_324011_and_is_marked_node(self):
        self.sandbox.knobs(kind_fields=0)  # A1's details may not say appType/nodeNum
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        body = {
            "appId": NODE_APP,
            "versionId": self.version(NODE_APP),
            "generateNum": "2",
            "cnet": [{"id": NODE_PHOTO, "imageUrl": upload["imageUrl"], "path": upload["path"]}],
        }
        refused = envelope(self.script.generate(body), Code.QUANTITY_OUT_OF_RANGE)
        assert "one image per run" in refused["msg"]
        assert AppDefinition.objects.get(app_id=NODE_APP).cost_kind == "node"
        envelope(self.script.generate({**body, "generateNum": "1"}))

    def test_a_node_app_priced_by_staff_is_charged_so_through_the_gateway(self):
        """Without appType/nodeNum the portal cannot know a node app; staff say it (3
        points per run), and both scripts' runs are quoted and held at that."""
        self.sandbox.knobs(kind_fields=0)
        app = envelope(self.script.app(NODE_APP))["data"]
        assert "appType" not in app and "nodeNum" not in app
        app_cost_set(app_id=NODE_APP, kind="node", points=3)
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        body = {
            "appId": NODE_APP,
            "versionId": app["versionId"],
            "generateNum": "1",
            "cnet": [{"id": NODE_PHOTO, "imageUrl": upload["imageUrl"], "path": upload["path"]}],
        }
        envelope(self.script.generate(body))
        client_upload = self.client_a1.upload_file(image_bytes(size=(300, 400)), "b.jpg")
        self.client_a1.generate(
            GenerateRequest(
                app_id=NODE_APP,
                version_id=app["versionId"],
                generate_num=1,
                cnet=(CnetValue(NODE_PHOTO, client_upload.image_url, client_upload.path),),
            )
        )
        assert [r.points_quoted for r in Run.objects.all()] == [3, 3]
        # One image per run, as A1 says of node apps: refused here, A1 never asked.
        envelope(self.script.generate({**body, "generateNum": "2"}), Code.QUANTITY_OUT_OF_RANGE)
        assert self.sandbox.calls("generate") == 2

    # --- generateNum -------------------------------------------------------------------

    def test_a_missing_or_zero_generate_num_is_324011(self):
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        for value in (None, "0", 0, "", "five", "-1"):
            body = self.watercolor(upload, generateNum=value)
            envelope(self.script.generate(body), Code.QUANTITY_OUT_OF_RANGE)
        assert Run.objects.count() == 0 and self.sandbox.calls("generate") == 0

    def test_the_portal_client_hears_324011_for_zero_images(self):
        upload = self.client_a1.upload_file(image_bytes(size=(300, 400)), "a.jpg", "image/jpeg")
        request = GenerateRequest(
            app_id=WATERCOLOR,
            version_id=self.version(),
            generate_num=0,
            cnet=(CnetValue(CNET_FORM, upload.image_url, upload.path),),
            style_id=SOFT,
            size_id="2",
        )
        with pytest.raises(A1Error) as refused:
            self.client_a1.generate(request)
        assert refused.value.code == Code.QUANTITY_OUT_OF_RANGE

    # --- task ids ------------------------------------------------------------------------

    def test_task_ids_are_decimal_strings_that_fit_a_signed_int64(self):
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        ids = set()
        for _ in range(3):
            data = envelope(self.script.generate(self.watercolor(upload)))["data"]
            task_id = data["taskId"]
            assert isinstance(task_id, str) and task_id.isdigit()
            assert 0 <= int(task_id) <= INT64_MAX
            ids.add(task_id)
            task = envelope(self.script.task(str(int(task_id))))["data"]
            assert task["id"] == task_id
        assert len(ids) == 3

    def test_a_task_id_an_earlier_release_answered_still_works(self):
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        task_id = envelope(self.script.generate(self.watercolor(upload)))["data"]["taskId"]
        run = Run.objects.get()
        for old in (str(run.pk.int), str(run.pk)):
            assert envelope(self.script.task(old))["data"]["id"] == task_id

    # --- app details without a language ------------------------------------------------

    def test_app_details_without_language_are_in_the_publishing_language(self):
        app = envelope(self.script.app(EMOJI))["data"]
        assert app["name"] == "表情包制作"
        english = envelope(self.script.app(EMOJI, language="en_US"))["data"]
        assert english["name"] == "Emoji maker"
        assert envelope(self.script.app(WATERCOLOR))["data"]["name"] == "Watercolor portrait"
        assert AppDefinition.objects.filter(app_id=EMOJI, language="").exists()

    # --- methods -------------------------------------------------------------------------

    def test_a_wrong_method_answers_the_envelope(self):
        for method, path, allowed in (
            ("GET", "/images/generate", "POST"),
            ("PUT", "/images/upload", "POST"),
            ("DELETE", f"/tasks/{123}", "GET"),
            ("POST", f"/apps/{WATERCOLOR}", "GET"),
        ):
            response = requests.request(
                method, self.base + path, headers={"apiKey": self.token}, timeout=30
            )
            body = envelope(response, Code.INVALID_PARAMS, status=405)
            assert response.headers["Allow"] == allowed and method in body["msg"]

    def test_the_portal_client_reads_a_wrong_method_as_a1s_10001(self):
        """The client sends each endpoint's own method; sent another (its low-level
        call), it reads the portal's 405 as A1's envelope, not as a broken answer."""
        for method, path in (("GET", "/images/generate"), ("POST", f"/apps/{WATERCOLOR}")):
            with pytest.raises(A1Error) as refused:
                self.client_a1._safe(method, path)
            assert refused.value.code == Code.INVALID_PARAMS, refused.value
            assert method in str(refused.value)

    def test_a_post_to_a_path_a1_lacks_answers_the_envelope(self):
        response = requests.post(
            self.base + "/images/nothing", headers={"apiKey": self.token}, timeout=30
        )
        envelope(response, Code.INVALID_PARAMS, status=404)


class PortalAccountTroubleTests(GatewayTestCase):
    """Errors of the portal's own A1 account are 20003 (810012 for its balance), never a
    key error for the script's good key, never a code outside A1's table."""

    def setUp(self):
        super().setUp()
        self.script = DocumentScript(self.url("/open-api/v1/a1"), self.token)

    def generate(self) -> requests.Response:
        upload = envelope(self.script.upload(image_bytes(size=(300, 400))))["data"]
        version = envelope(self.script.app(WATERCOLOR))["data"]["versionId"]
        body = {
            "appId": WATERCOLOR,
            "versionId": version,
            "generateNum": "1",
            "cnet": [{"id": CNET_FORM, "imageUrl": upload["imageUrl"], "path": upload["path"]}],
            "styleId": SOFT,
            "size": {"sizeId": "2"},
        }
        return self.script.generate(body)

    def assert_internal_error(self, response: requests.Response) -> None:
        body = envelope(response, Code.SERVICE_INTERNAL_ERROR, status=503)
        assert "API key" not in body["msg"] and "sandbox" not in response.text

    def test_a_revoked_portal_key_is_20003_not_10411(self):
        envelope(self.script.app(WATERCOLOR))  # the definition is cached while the key works
        with self.settings(A1_API_KEY="revoked"):
            self.assert_internal_error(self.generate())
        assert Run.objects.count() == 0  # abandoned: nothing held, nothing spent

    def test_a1_unreachable_during_the_photo_upload_is_20003_not_a_negative_code(self):
        envelope(self.script.app(WATERCOLOR))
        self.sandbox.knobs(drop_rate=1.0, faults_on="upload")
        try:
            self.assert_internal_error(self.generate())
        finally:
            self.sandbox.knobs(drop_rate=0.0, faults_on="*")

    def test_a_revoked_portal_key_reading_an_app_is_20003(self):
        with self.settings(A1_API_KEY="revoked"):
            self.assert_internal_error(self.script.app(WATERCOLOR))

    def test_the_accounts_empty_balance_is_810012(self):
        envelope(self.script.app(WATERCOLOR))
        self.sandbox.set_balance(0)
        envelope(self.generate(), Code.BALANCE_INSUFFICIENT)
