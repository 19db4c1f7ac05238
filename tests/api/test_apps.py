"""GET /api/v1/apps/{app_id} over HTTP, read from the sandbox through our cache."""

from __future__ import annotations

from tests.base import WATERCOLOR
from tests.live import ApiTestCase, assert_error_shape


class AppTests(ApiTestCase):
    def test_it_describes_what_a_run_takes_and_costs(self):
        response = self.api("GET", f"/apps/{WATERCOLOR}")
        assert response.status_code == 200, response.text
        app = response.json()
        assert app["id"] == WATERCOLOR and app["generatable"] and app["max_images"] == 4
        assert app["points_per_run"] == {"1": 1, "2": 2, "3": 3, "4": 4}
        assert [p["name"] for p in app["photos"]] == ["cnet_17466175263110005"]
        assert app["texts"][0]["id"] == "1838546335507165192"
        assert app["styles"] and [s["id"] for s in app["sizes"]] == list("1234567")

    def test_it_answers_in_the_language_asked(self):
        app = self.api("GET", f"/apps/{WATERCOLOR}?language=zh_CN").json()
        assert app["language"] == "zh_CN"

    def test_it_answers_404_for_an_app_a1_does_not_know(self):
        assert_error_shape(self.api("GET", "/apps/1838546335502979999"), 404, "app_not_found")
        assert_error_shape(self.api("GET", "/apps/nope"), 404, "app_not_found")

    def test_it_says_when_an_app_cannot_be_used_through_the_api(self):
        app_id = self.sandbox.app_with("vip")["id"]
        body = assert_error_shape(self.api("GET", f"/apps/{app_id}"), 403, "app_unavailable")
        assert body["a1_code"] == 324019

    def test_it_applies_the_allow_list(self):
        with self.settings(APPS_ALLOW_ANY=False):
            response = self.api("GET", f"/apps/{WATERCOLOR}")
        assert_error_shape(response, 403, "app_not_allowed")
