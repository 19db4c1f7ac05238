"""POST /api/v1/batches and GET /batches/{id}: a batch from a script, over HTTP."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from generator.batches import pacing as batch_pacing
from generator.files.audit import storage_audit
from generator.models import Batch, Run
from generator.schedules.models import Chore
from tests.base import WATERCOLOR
from tests.live import ApiTestCase, assert_error_shape

SLOT = "cnet_17466175263110005"


class BatchApiTests(ApiTestCase):
    def body(self, n=3, **overrides) -> dict:
        photo = self.upload()
        body = {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "items": [
                {
                    "label": f"staff-{i}",
                    "photos": {SLOT: photo},
                    "texts": {"1838546335507165192": c},
                }
                for i, c in zip(range(n), ("red", "blue", "green", "grey"), strict=False)
            ],
        }
        return body | overrides

    def send_all(self):
        """The worker's pacer, tick by tick, until every item went out."""
        for _ in range(10):
            Chore.objects.filter(name=batch_pacing.SLOT).update(
                next_run=timezone.now() - timedelta(seconds=1)
            )
            batch_pacing.batches_send_tick()

    def test_it_starts_a_batch_from_a_script_and_follows_it_to_its_zip(self):
        response = self.api(
            "POST", "/batches", json=self.body(), headers={"Idempotency-Key": "b-1"}
        )
        assert response.status_code == 201, response.text
        batch = response.json()
        assert batch["state"] == "running" and batch["counts"]["waiting"] == 3
        assert [i["label"] for i in batch["items"]] == ["staff-0", "staff-1", "staff-2"]
        assert self.sandbox.calls("upload") == 0  # nothing is sent before the pacer sends it
        self.send_all()
        runs = Run.objects.filter(batch_id=batch["id"])
        assert runs.count() == 3 and {g.api_key_id for g in runs} == {self.key.pk}
        assert self.sandbox.calls("upload") == 1  # one photo for three items, uploaded once
        for run in runs:
            self.finish(run.pk)
        done = self.api("GET", f"/batches/{batch['id']}").json()
        assert done["counts"]["done"] == 3 and done["points_spent"] == 3
        archive = self.session().get(done["zip_url"], timeout=30)
        names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
        assert sorted(names) == ["staff-0-1.jpg", "staff-1-1.jpg", "staff-2-1.jpg"]

    def test_the_same_idempotency_key_is_the_same_batch(self):
        body = self.body(n=2)
        first = self.api("POST", "/batches", json=body, headers={"Idempotency-Key": "nightly"})
        second = self.api("POST", "/batches", json=body, headers={"Idempotency-Key": "nightly"})
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"] and Batch.objects.count() == 1

    def test_every_bad_item_is_named_and_nothing_is_made(self):
        body = self.body(n=2)
        body["items"][1]["photos"] = {}
        body["items"][0]["texts"] = {"no-such-field": "x"}
        response = self.api("POST", "/batches", json=body)
        fields = assert_error_shape(response, 422, "invalid")["fields"]
        assert f"items[1].{SLOT}" in fields and "items[0].desc_no-such-field" in fields
        assert not Batch.objects.exists()

    def test_a_key_over_its_budget_is_refused_with_the_numbers(self):
        token = self.key_for(self.owner, monthly_points=2)
        self.token = token
        response = self.api("POST", "/batches", json=self.body(n=3), token=token)
        body = assert_error_shape(response, 402, "budget_exceeded")
        assert body["scope"] == "key" and "3 points (3 × 1)" in body["message"]
        assert Batch.objects.get().state == "draft"  # nothing held

    def test_only_what_fits_starts_the_part_the_key_can_pay(self):
        token = self.key_for(self.owner, monthly_points=2)
        self.token = token
        response = self.api(
            "POST", "/batches", json=self.body(n=3, only_what_fits=True), token=token
        )
        counts = response.json()["counts"]
        assert (counts["waiting"], counts["cancelled"]) == (2, 1)

    def test_others_cannot_see_a_batch(self):
        batch = self.api("POST", "/batches", json=self.body(n=1)).json()
        other = self.key_for(self.teammate)
        assert_error_shape(
            self.api("GET", f"/batches/{batch['id']}", token=other), 404, "not_found"
        )

    @pytest.mark.storage
    def test_it_keeps_the_owners_photo_when_a_teammate_who_named_it_in_a_draft_is_erased(self):
        shared = self.start_run(team_id=self.team.id, visibility="team")
        assert shared.status_code == 201, shared.text
        run = self.finish(shared.json()["id"])
        photo = run.inputs.get()
        # The teammate names the owner's photo (they may see the run) in a draft: free.
        item = {"label": "borrowed", "photos": {SLOT: str(photo.pk)}}
        body = {"app_id": WATERCOLOR, "style": "183854633550716522", "size": "1"}
        draft = self.api(
            "POST",
            "/batches",
            token=self.key_for(self.teammate),
            json=body | {"items": [item], "start": False},
        )
        assert draft.status_code == 201, draft.text
        assert draft.json()["state"] == "draft"
        self.client.force_login(self.staff)
        done = self.client.post(
            f"/staff/people/{self.teammate.pk}/erase/", {"username": "teammate"}
        )
        assert done["Location"] == "/staff/data/"
        assert not Batch.objects.filter(pk=draft.json()["id"]).exists()
        self.client.force_login(self.owner)
        page = self.client.get(run.get_absolute_url()).content.decode()
        assert f"/media/inputs/{photo.pk}" in page
        assert "The photos given for this run were removed" not in page
        assert self.client.get(f"/media/inputs/{photo.pk}").status_code in (200, 302)
        assert default_storage.exists(photo.file.name)
        assert storage_audit().clean
