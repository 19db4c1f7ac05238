"""Scripts see approvals: the REST API shows a waiting, refused or expired batch (and a
run over the threshold waits as a batch of one), the OpenAPI schema documents it, a
key's webhook is told, and the gateway, which cannot wait, answers A1's 324019 at once."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from a1 import Code
from generator.approvals import decisions, requests
from generator.models import Approval, Batch, Run, Team, WebhookDelivery
from generator.money.ledger import points_used
from tests.base import WATERCOLOR
from tests.gateway.base import GatewayTestCase, envelope
from tests.live import ApiTestCase

SLOT = "cnet_17466175263110005"


class ApprovalApiTests(ApiTestCase):
    def setUp(self):
        super().setUp()
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=2)
        self.member_token = self.key_for(self.teammate, webhook_url="https://hooks.example/x")

    def batch_body(self, n=3) -> dict:
        photo = self.upload(self.member_token)
        return {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "items": [{"label": f"p{i}", "photos": {SLOT: photo}} for i in range(n)],
        }

    def test_a_batch_over_the_threshold_shows_awaiting_approval_then_refused_with_reason(self):
        response = self.api(
            "POST",
            "/batches",
            token=self.member_token,
            json=self.batch_body(),
            headers={"Idempotency-Key": "b-1"},
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["state"] == "awaiting_approval"
        assert body["approval"]["state"] == "pending"
        assert body["approval"]["points"] == 3 and body["approval"]["threshold"] == 2
        assert body["points_held"] == 3 and body["approval"]["expires_at"]
        approval = Approval.objects.get(batch_id=body["id"])
        requests.approval_notify_deciders(approval_id=approval.pk)
        (told,) = WebhookDelivery.objects.filter(event="batch.awaiting_approval")
        assert told.payload["approval"]["state"] == "pending"
        decisions.approval_decide(approval=approval, by=self.owner, approve=False, reason="No.")
        again = self.api("GET", f"/batches/{body['id']}", token=self.member_token).json()
        assert again["state"] == "refused"
        assert again["approval"]["state"] == "refused" and again["approval"]["reason"] == "No."
        assert again["points_held"] == 0
        requests.approval_notify_requester(approval_id=approval.pk)
        assert WebhookDelivery.objects.filter(event="batch.refused").count() == 1

    def test_an_expired_request_shows_expired(self):
        body = self.api("POST", "/batches", token=self.member_token, json=self.batch_body()).json()
        decisions.approvals_expire(now=timezone.now() + timedelta(hours=73))
        again = self.api("GET", f"/batches/{body['id']}", token=self.member_token).json()
        assert again["state"] == "expired" and again["approval"]["state"] == "expired"

    def test_a_run_over_the_threshold_answers_202_with_the_waiting_batch(self):
        response = self.start_run(token=self.member_token, key="run-1")  # 2 images: 2 points
        assert response.status_code == 201  # not over 2
        response = self.start_run(token=self.member_token, key="run-2", generate_num=4)
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["state"] == "awaiting_approval" and body["approval"]["points"] == 4
        assert len(body["items"]) == 1
        again = self.start_run(token=self.member_token, key="run-2", generate_num=4)
        assert again.status_code == 202 and again.json()["id"] == body["id"]
        assert Batch.objects.filter(user=self.teammate).count() == 1
        assert Run.objects.count() == 1 and self.sandbox.calls("generate") == 1
        assert points_used(team=self.team) == 2 + 4

    def test_the_openapi_schema_documents_the_states(self):
        schema = self.api("GET", "/openapi.json").json()
        batch = schema["components"]["schemas"]["BatchOut"]
        assert "awaiting_approval" in batch["properties"]["state"]["description"]
        approval = schema["components"]["schemas"]["ApprovalOut"]
        assert approval["properties"]["state"]["enum"] == [
            "pending",
            "approved",
            "refused",
            "expired",
            "cancelled",
            "superseded",
        ]
        run_create = schema["paths"]["/api/v1/runs"]["post"]
        assert "202" in run_create["responses"]


class ApprovalGatewayTests(GatewayTestCase):
    def test_generate_over_the_threshold_answers_324019_at_once_and_holds_nothing(self):
        Team.objects.filter(pk=self.team.pk).update(approval_threshold=1)
        upload = self.upload()
        app = envelope(self.a1("GET", f"/apps/{WATERCOLOR}"))["data"]
        began = time.monotonic()
        response = self.a1(
            "POST",
            "/images/generate",
            json={
                "appId": WATERCOLOR,
                "versionId": app["versionId"],
                "generateNum": "2",
                "cnet": [
                    {
                        "id": "17466175263110005",
                        "imageUrl": upload["imageUrl"],
                        "path": upload["path"],
                    }
                ],
                "description": [{"id": "1838546335507165192", "value": "red"}],
                "styleId": "183854633550716522",
                "size": {"sizeId": "6"},
            },
        )
        assert time.monotonic() - began < 10  # never waits for a person
        body = envelope(response, code=Code.APP_VIP_ONLY)
        assert "approval threshold of 1" in body["msg"] and body["data"] is None
        assert Run.objects.count() == 0 and Batch.objects.count() == 0
        assert self.sandbox.calls("generate") == 0
        assert points_used(user=self.owner) == 0
