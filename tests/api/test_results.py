"""GET /api/v1/results/{id} (and its thumbnail): our copies, to whoever may see the run."""

from __future__ import annotations

from generator.models import Run
from tests.live import ApiTestCase, assert_error_shape


class ResultTests(ApiTestCase):
    def setUp(self):
        super().setUp()
        run = self.start_run(visibility="team").json()
        self.finish(run["id"])
        self.result = self.api("GET", f"/runs/{run['id']}").json()["results"][0]
        self.run_id = run["id"]

    def test_it_downloads_our_copy_and_its_thumbnail(self):
        image = self.api("GET", f"/results/{self.result['id']}")
        assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
        thumb = self.api("GET", f"/results/{self.result['id']}/thumbnail")
        assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/webp"

    def test_it_serves_a_teammate_a_shared_result_but_not_an_outsider(self):
        teammate, outsider = self.key_for(self.teammate), self.key_for(self.outsider)
        assert self.api("GET", f"/results/{self.result['id']}", token=teammate).status_code == 200
        response = self.api("GET", f"/results/{self.result['id']}", token=outsider)
        assert_error_shape(response, 404, "not_found")

    def test_it_stops_serving_a_deleted_run_to_others(self):
        Run.objects.filter(pk=self.run_id).update(hidden=True)
        teammate = self.key_for(self.teammate)
        response = self.api("GET", f"/results/{self.result['id']}", token=teammate)
        assert_error_shape(response, 404, "not_found")

    def test_it_wants_a_key(self):
        response = self.api("GET", f"/results/{self.result['id']}", token=False)
        assert_error_shape(response, 401, "unauthorized")
