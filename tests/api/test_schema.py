"""The OpenAPI schema validates, documents every endpoint, and the docs page loads."""

from __future__ import annotations

from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from tests.conftest import image_bytes
from tests.live import ApiTestCase, assert_error_shape


class SchemaTests(ApiTestCase):
    def test_it_serves_a_valid_openapi_schema_of_every_endpoint(self):
        response = self.api("GET", "/openapi.json")
        assert response.status_code == 200
        schema = response.json()
        validate(schema)
        paths = set(schema["paths"])
        assert paths >= {
            "/api/v1/apps/{app_id}",
            "/api/v1/uploads",
            "/api/v1/runs",
            "/api/v1/runs/enhance",
            "/api/v1/runs/{run_id}",
            "/api/v1/history",
            "/api/v1/gallery",
            "/api/v1/results/{result_id}",
            "/api/v1/me",
        }
        errors = schema["paths"]["/api/v1/runs"]["post"]["responses"]["402"]
        assert errors["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")

    def test_it_keeps_the_schema_and_docs_for_people_with_access(self):
        assert_error_shape(self.api("GET", "/openapi.json", token=False), 401, "unauthorized")
        docs = self.api("GET", "/docs", token=False, allow_redirects=False)
        assert docs.status_code == 302 and "/accounts/login/" in docs.headers["Location"]

    def test_it_serves_the_docs_without_inline_script(self):
        page = self.api("GET", "/docs")
        assert page.status_code == 200
        assert "<script src=" in page.text and "cdn" not in page.text.lower()
        assert "script-src" in page.headers["Content-Security-Policy"]


class ExactSchemaTests(ApiTestCase):
    """What schemathesis found the schema did not say: each stated, and each true."""

    def schema(self) -> dict:
        schema = self.api("GET", "/openapi.json").json()
        validate(schema)
        return schema

    def test_it_documents_400_for_a_body_that_is_not_json_and_answers_it(self):
        paths = self.schema()["paths"]
        for path in ("/api/v1/runs", "/api/v1/runs/enhance", "/api/v1/batches"):
            documented = paths[path]["post"]["responses"]["400"]
            assert documented["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
            response = self.api(
                "POST",
                path.removeprefix("/api/v1"),
                data=b"{nope",
                headers={"Content-Type": "application/json"},
            )
            assert_error_shape(response, 400, "bad_request")

    def test_it_documents_the_zip_downloads_as_application_zip(self):
        paths = self.schema()["paths"]
        for path in ("/api/v1/batches/{batch_id}/zip", "/api/v1/me/exports/{export_id}/download"):
            ok = paths[path]["get"]["responses"]["200"]
            assert list(ok["content"]) == ["application/zip"]
            assert ok["content"]["application/zip"]["schema"]["format"] == "binary"

    def test_it_says_enhance_takes_either_an_upload_or_a_result(self):
        schema = self.schema()
        enhance = {**schema["components"]["schemas"]["EnhanceIn"], "components": {}}
        valid = OAS31Validator(enhance).is_valid
        assert valid({"upload_id": "u"}) and valid({"result_id": "r", "upload_id": None})
        assert valid({"result_id": "r", "upload_id": ""})
        for refused in ({}, {"upload_id": "u", "result_id": "r"}, {"upload_id": ""}):
            assert not valid(refused), refused
            assert_error_shape(self.api("POST", "/runs/enhance", json=refused), 422, "invalid")

    def test_it_says_an_upload_is_either_a_file_or_an_image_url(self):
        body = self.schema()["paths"]["/api/v1/uploads"]["post"]["requestBody"]
        shapes = body["content"]
        assert set(shapes) == {"multipart/form-data", "application/x-www-form-urlencoded"}
        a_file = OAS31Validator(shapes["multipart/form-data"]["schema"]).is_valid
        a_link = OAS31Validator(shapes["application/x-www-form-urlencoded"]["schema"]).is_valid
        assert a_file({"file": "bytes"}) and not a_file({})
        assert a_link({"image_url": "https://example.com/a.jpg"}) and not a_link({})
        assert not a_link({"image_url": "a.jpg"})
        response = self.api("POST", "/uploads", data={"image_url": ""})
        assert_error_shape(response, 422, "invalid")
        # A link sent form-urlencoded is fetched (here: nothing answers at that address).
        response = self.api("POST", "/uploads", data={"image_url": "http://127.0.0.1:9/a.jpg"})
        assert response.status_code == 422 and response.json()["code"] != "invalid"

    def test_it_takes_a_file_part_without_a_file_name(self):
        """`requests` sends no file name for `files={"file": (None, content, type)}`."""
        content = image_bytes(size=(300, 400))
        response = self.api("POST", "/uploads", files={"file": (None, content, "image/jpeg")})
        assert response.status_code == 201, response.text
        assert response.json()["width"] == 300

    def test_it_refuses_a_date_the_schema_calls_invalid(self):
        for path in ("/history", "/gallery"):
            assert_error_shape(self.api("GET", path, params={"date_to": "0"}), 422, "invalid")
            assert self.api("GET", path, params={"date_to": "2026-12-07"}).status_code == 200

    def test_it_documents_400_for_a_form_it_cannot_read_and_answers_it(self):
        documented = self.schema()["paths"]["/api/v1/uploads"]["post"]["responses"]["400"]
        assert documented["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
        for content_type in ("multipart/form-data", "multipart/form-data; boundary=\u00e9"):
            response = self.api(
                "POST", "/uploads", data=b"--x\r\n", headers={"Content-Type": content_type}
            )
            assert_error_shape(response, 400, "bad_request")

    def test_it_refuses_a_nul_in_a_filter_as_its_schema_says(self):
        """PostgreSQL refuses a NUL in a query: the filters' schema excludes it, and the
        API answers 422 rather than a server error."""
        paths = self.schema()["paths"]
        for path, name in (("/presets", "app_id"), ("/history", "app"), ("/gallery", "q")):
            params = paths[f"/api/v1{path}"]["get"]["parameters"]
            (param,) = [p for p in params if p["name"] == name]
            pattern = param["schema"].get("pattern") or param["schema"]["anyOf"][0]["pattern"]
            assert pattern == r"^[^\x00]*$"
            assert_error_shape(self.api("GET", path, params={name: "1\x00"}), 422, "invalid")
            assert self.api("GET", path, params={name: "1"}).status_code == 200
