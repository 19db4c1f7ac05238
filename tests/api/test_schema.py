"""The OpenAPI schema validates, documents every endpoint, and the docs page loads."""

from __future__ import annotations

from openapi_spec_validator import validate

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
