"""Every REST error, ninja's own included, answers {code, message, message_cn}."""

from __future__ import annotations

from tests.live import ApiTestCase, assert_error_shape


class ErrorShapeTests(ApiTestCase):
    def test_it_answers_unknown_paths_in_the_shape(self):
        assert_error_shape(self.api("GET", "/nothing/here"), 404, "not_found")

    def test_it_leads_from_the_bare_root_to_the_docs(self):
        response = self.api("GET", "/", allow_redirects=False)
        assert response.status_code == 302 and response.headers["Location"] == "/api/v1/docs"

    def test_it_answers_a_wrong_method_in_the_shape(self):
        response = self.api("DELETE", "/me")
        assert_error_shape(response, 405, "method_not_allowed")
        assert "GET" in response.headers["Allow"]

    def test_it_answers_a_body_it_cannot_read(self):
        response = self.api(
            "POST", "/runs", data=b"{nope", headers={"Content-Type": "application/json"}
        )
        assert response.status_code in (400, 422) and response.json()["code"] in (
            "bad_request",
            "invalid",
        )

    def test_it_names_missing_fields(self):
        body = assert_error_shape(self.api("POST", "/runs", json={}), 422, "invalid")
        assert "app_id" in body["fields"]

    def test_it_gives_chinese_beside_english_whatever_the_request_language(self):
        response = self.api("GET", "/me", token="a1s_guess", headers={"Accept-Language": "zh-hans"})
        body = assert_error_shape(response, 401, "invalid_key")
        assert body["message"].startswith("This API key")
