"""POST /open-api/v1/a1/images/generate and GET /tasks/{taskId} through the gateway."""

from __future__ import annotations

import requests

from a1 import Code
from generator.models import BalanceAlert, Run
from tests.base import WATERCOLOR
from tests.gateway.base import GatewayTestCase, envelope

CNET_FORM = "17466175263110005"


class GenerateTests(GatewayTestCase):
    def body(self, upload: dict, **overrides) -> dict:
        app = envelope(self.a1("GET", f"/apps/{WATERCOLOR}"))["data"]
        body = {
            "appId": WATERCOLOR,
            "versionId": app["versionId"],
            "generateNum": "2",
            "cnet": [{"id": CNET_FORM, "imageUrl": upload["imageUrl"], "path": upload["path"]}],
            "description": [{"id": "1838546335507165192", "value": "red"}],
            "styleId": "183854633550716522",
            "size": {"sizeId": "6"},
        }
        body.update(overrides)
        return body

    def generate(self, token=None, **overrides) -> requests.Response:
        return self.a1(
            "POST", "/images/generate", token=token, json=self.body(self.upload(token), **overrides)
        )

    def test_it_starts_a_run_as_the_key_owner_and_answers_a_task_id(self):
        task_id = envelope(self.generate())["data"]["taskId"]
        assert isinstance(task_id, str) and task_id.isdigit()
        (run,) = Run.objects.all()
        assert run.api_key == self.key and run.user == self.owner
        assert run.points_quoted == 2 and self.sandbox.calls("generate") == 1
        task = envelope(self.a1("GET", f"/tasks/{task_id}"))["data"]
        assert task["id"] == task_id and task["state"] == 30 and task["images"] == []

    def test_it_answers_links_to_our_kept_copies_that_a_plain_get_fetches(self):
        task_id = envelope(self.generate())["data"]["taskId"]
        self.finish(Run.objects.get().pk)
        task = envelope(self.a1("GET", f"/tasks/{task_id}"))["data"]
        assert task["state"] == 10 and len(task["images"]) == 2
        for link in task["images"]:
            assert link.startswith(self.live_server_url) and "/files/" in link
            image = requests.get(link, timeout=10)  # no header, as A1 scripts download
            assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
        assert self.sandbox.url not in str(task)

    def test_it_says_failed_with_state_20(self):
        task_id = envelope(self.generate())["data"]["taskId"]
        self.finish(Run.objects.get().pk, state="failed")
        task = envelope(self.a1("GET", f"/tasks/{task_id}"))["data"]
        assert task["state"] == 20 and task["failReason"]

    def test_it_refuses_a_key_over_its_budget_with_810012(self):
        token = self.key_for(self.owner, monthly_points=3)
        envelope(self.generate(token))
        refused = envelope(self.generate(token), Code.BALANCE_INSUFFICIENT)
        assert refused["msg"].startswith("balance insufficient error")
        assert refused["msg_cn"].startswith("账户余额不足")
        assert self.sandbox.calls("generate") == 1

    def test_it_refuses_with_810012_while_the_account_is_out_of_points(self):
        BalanceAlert.objects.create(message="out")
        envelope(self.generate(), Code.BALANCE_INSUFFICIENT)
        assert self.sandbox.calls("generate") == 0

    def test_it_answers_324013_to_a_script_on_an_old_version(self):
        envelope(self.generate(versionId="1"), Code.APP_UPDATED)

    def test_it_answers_324011_for_too_many_images(self):
        envelope(self.generate(generateNum="5"), Code.QUANTITY_OUT_OF_RANGE)

    def test_it_refuses_images_not_uploaded_through_it(self):
        body = self.body(self.upload())
        body["cnet"][0]["path"] = "upload/someone-elses.jpg"
        refused = envelope(self.a1("POST", "/images/generate", json=body), Code.INVALID_PARAMS)
        assert "uploaded through this API" in refused["msg"]

    def test_it_refuses_another_users_photo(self):
        theirs = self.upload(token=self.key_for(self.outsider))
        body = self.body(theirs)
        envelope(self.a1("POST", "/images/generate", json=body), Code.INVALID_PARAMS)

    def test_it_answers_10001_for_a_body_that_is_not_json(self):
        response = self.a1("POST", "/images/generate", data=b"{nope")
        envelope(response, Code.INVALID_PARAMS)

    def test_it_shows_tasks_only_to_their_owner(self):
        task_id = envelope(self.generate())["data"]["taskId"]
        for token in (self.key_for(self.outsider), self.key_for(self.teammate)):
            envelope(self.a1("GET", f"/tasks/{task_id}", token=token), Code.INVALID_PARAMS)
        envelope(self.a1("GET", "/tasks/12345"), Code.INVALID_PARAMS)

    def test_it_starts_one_run_per_idempotency_key(self):
        body = self.body(self.upload())
        first = self.a1("POST", "/images/generate", json=body, headers={"Idempotency-Key": "k1"})
        again = self.a1("POST", "/images/generate", json=body, headers={"Idempotency-Key": "k1"})
        assert envelope(first)["data"] == envelope(again)["data"]
        assert self.sandbox.calls("generate") == 1
