"""POST /api/v1/runs, /runs/enhance and GET /runs/{id}, over HTTP against the sandbox."""

from __future__ import annotations

from generator.models import ApprovalPolicy, Budget, Run
from tests.live import ApiTestCase, assert_error_shape


class RunTests(ApiTestCase):
    def test_it_starts_a_run_recording_the_key_and_answers_its_state(self):
        response = self.start_run(key="nightly-42")
        assert response.status_code == 201, response.text
        answer = response.json()
        run = Run.objects.get(pk=answer["id"])
        assert run.api_key == self.key and run.user == self.owner
        assert answer["state"] == "running" and answer["points_quoted"] == 2
        assert answer["owner"] == "owner" and answer["results"] == []
        assert self.sandbox.calls("generate") == 1

    def test_it_never_starts_the_same_idempotency_key_twice(self):
        first = self.start_run(key="batch-7/item-1")
        second = self.start_run(key="batch-7/item-1")
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"]
        assert Run.objects.count() == 1 and self.sandbox.calls("generate") == 1

    def test_it_answers_our_own_result_links_once_the_run_completes(self):
        run = self.start_run().json()
        self.finish(run["id"])
        done = self.api("GET", f"/runs/{run['id']}").json()
        assert done["state"] == "completed" and done["points_spent"] == 2
        assert len(done["results"]) == 2
        first = done["results"][0]
        assert first["url"].startswith(self.live_server_url + "/api/v1/results/")
        image = self.session().get(first["url"], timeout=10)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
        assert "attachment" in image.headers["Content-Disposition"]

    def test_it_puts_field_problems_next_to_their_fields(self):
        response = self.start_run(style="not-a-style", generate_num=9)
        body = assert_error_shape(response, 422, "invalid")
        assert set(body["fields"]) >= {"style", "generate_num"}
        assert self.sandbox.calls("generate") == 0

    def test_it_refuses_an_upload_the_caller_may_not_use(self):
        theirs = self.upload(token=self.key_for(self.outsider))
        response = self.start_run(photos={"cnet_17466175263110005": theirs})
        body = assert_error_shape(response, 422, "invalid")
        assert "photos.cnet_17466175263110005" in body["fields"]

    def test_it_refuses_a_key_over_its_budget_with_a_clear_error(self):
        token = self.key_for(self.owner, monthly_points=3)
        assert self.start_run(token=token).status_code == 201
        response = self.start_run(token=token)
        body = assert_error_shape(response, 402, "budget_exceeded")
        assert body["scope"] == "key"
        assert "1 of its 3 points" in body["message"] and "API key" in body["message"]
        assert self.sandbox.calls("generate") == 1

    def test_it_counts_only_the_keys_own_runs_against_its_budget(self):
        self.start_run()  # 2 points with another key
        token = self.key_for(self.owner, monthly_points=2)
        assert self.start_run(token=token).status_code == 201

    def test_it_holds_the_user_budget_too(self):
        Budget.objects.create(user=self.owner, monthly_points=1)
        body = assert_error_shape(self.start_run(), 402, "budget_exceeded")
        assert body["scope"] == "user"

    def test_it_enhances_a_result(self):
        run = self.start_run().json()
        self.finish(run["id"])
        result_id = self.api("GET", f"/runs/{run['id']}").json()["results"][0]["id"]
        response = self.api("POST", "/runs/enhance", json={"result_id": result_id})
        assert response.status_code == 201, response.text
        enhanced = response.json()
        assert enhanced["kind"] == "enhance" and enhanced["points_quoted"] == 3
        assert Run.objects.get(pk=enhanced["id"]).api_key == self.key

    def test_it_refuses_an_enhancement_over_the_approval_threshold_holding_nothing(self):
        run = self.start_run().json()
        self.finish(run["id"])
        result_id = self.api("GET", f"/runs/{run['id']}").json()["results"][0]["id"]
        ApprovalPolicy.objects.create(threshold=2)  # staff's, for everyone
        response = self.api("POST", "/runs/enhance", json={"result_id": result_id})
        body = assert_error_shape(response, 403, "approval_required")
        assert (body["points"], body["threshold"]) == (3, 2)
        assert not Run.objects.filter(kind=Run.Kind.ENHANCE).exists()
        assert self.sandbox.calls("optimize") == 0

    def test_it_shows_a_teammate_shared_runs_only(self):
        shared = self.start_run(visibility="team").json()
        private = self.start_run(visibility="private").json()
        teammate = self.key_for(self.teammate)
        assert self.api("GET", f"/runs/{shared['id']}", token=teammate).status_code == 200
        assert_error_shape(
            self.api("GET", f"/runs/{private['id']}", token=teammate), 404, "not_found"
        )

    def test_it_hides_runs_from_outsiders(self):
        run = self.start_run(visibility="team").json()
        outsider = self.key_for(self.outsider)
        assert_error_shape(self.api("GET", f"/runs/{run['id']}", token=outsider), 404, "not_found")
        assert_error_shape(self.api("GET", "/runs/not-an-id", token=outsider), 404, "not_found")
