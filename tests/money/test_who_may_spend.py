"""Who may still spend is checked at the moment of spending (budgets.spend_check), on
every path: a revoked key or a deactivated person spends nothing more, a key is held
to its own budget whoever made the draft, and the app allow-list holds everywhere."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from django.utils import timezone

from bench.harness import login
from common.images import normalise
from generator.batches import pacing as batch_pacing
from generator.batches import services as batches
from generator.errors import SubmitRefused
from generator.keys import services as keys
from generator.models import AppDefinition, Batch, BatchItem, Budget, Run
from generator.money import ledger
from generator.runs import photos, submission, tracking
from generator.runs.definitions import app_fetch
from generator.runs.inputs import RunChoices
from generator.schedules.models import Chore
from tests.base import PASSWORD, WATERCOLOR, create_people
from tests.conftest import image_bytes, start_web
from tests.forms import form_data
from tests.live import ApiTestCase, assert_error_shape

SLOT = "cnet_17466175263110005"


class WhoMaySpendTests(ApiTestCase):
    def batch_body(self, n=3, token=None) -> dict:
        photo = self.upload(token)
        return {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "items": [{"label": f"p{i}", "photos": {SLOT: photo}} for i in range(n)],
        }

    def tick(self, times=5):
        """The worker's pacer, tick by tick."""
        for _ in range(times):
            Chore.objects.filter(name=batch_pacing.SLOT).update(
                next_run=timezone.now() - timedelta(seconds=1)
            )
            batch_pacing.batches_send_tick()

    def started_batch(self, n=3) -> dict:
        response = self.api("POST", "/batches", json=self.batch_body(n))
        assert response.status_code == 201, response.text
        assert response.json()["state"] == "running"
        return response.json()

    def test_revoking_a_key_stops_its_batch_at_once_and_releases_its_points(self):
        batch = self.started_batch()
        assert ledger.points_used(user=self.owner) == 3
        self.client.force_login(self.owner)
        self.client.post(f"/account/keys/{self.key.pk}/revoke/")
        self.tick()
        assert self.sandbox.calls("generate") == 0
        states = set(BatchItem.objects.filter(batch_id=batch["id"]).values_list("state", flat=True))
        assert states == {"cancelled"}
        assert ledger.points_used(user=self.owner) == 0
        page = self.client.get(f"/batches/{batch['id']}/").content.decode()
        assert "the API key that started it was revoked" in page

    def test_a_person_deactivated_by_staff_spends_nothing_more(self):
        batch = self.started_batch()
        self.client.force_login(self.staff)
        page = self.client.get(f"/admin/auth/user/{self.owner.pk}/change/").content.decode()
        response = self.client.post(
            f"/admin/auth/user/{self.owner.pk}/change/",
            form_data(page, "user_form", is_active=None),  # staff untick "Active"
        )
        assert response.status_code == 302, response.content[:500]
        self.tick()
        assert self.sandbox.calls("generate") == 0
        assert Batch.objects.get(pk=batch["id"]).state == "cancelled"
        assert ledger.points_used(user=self.owner) == 0
        assert self.api("GET", "/me").status_code == 401  # the key went with the person

    def test_the_pacer_refuses_an_item_whose_key_was_revoked_behind_its_back(self):
        # A revocation that reached the database some other way than the keys service
        # (a restore, a raw update): the pacer still asks at the moment of spending.
        batch = self.started_batch()
        type(self.key).objects.filter(pk=self.key.pk).update(revoked_at=timezone.now())
        self.tick()
        assert self.sandbox.calls("generate") == 0
        assert Batch.objects.get(pk=batch["id"]).state == "cancelled"
        assert ledger.points_used(user=self.owner) == 0

    def test_a_key_that_starts_someone_elses_draft_is_held_to_its_own_budget(self):
        draft = self.api("POST", "/batches", json=self.batch_body(n=2) | {"start": False})
        assert draft.status_code == 201 and draft.json()["state"] == "draft"
        thrifty = self.key_for(self.owner, monthly_points=1)
        response = self.api("POST", f"/batches/{draft.json()['id']}/start", token=thrifty)
        assert assert_error_shape(response, 402, "budget_exceeded")["scope"] == "key"
        assert Batch.objects.get(pk=draft.json()["id"]).state == "draft"
        roomy_key, roomy = keys.key_create(user=self.owner, name="roomy", monthly_points=5)
        started = self.api("POST", f"/batches/{draft.json()['id']}/start", token=roomy)
        assert started.status_code == 200 and started.json()["state"] == "running"
        assert ledger.points_used(api_key=roomy_key) == 2
        assert ledger.points_used(api_key=self.key) == 0

    def test_the_allow_list_holds_for_batch_start_resume_retry_and_the_pacer(self):
        assert self.api("GET", f"/apps/{WATERCOLOR}").status_code == 200  # read once
        with self.settings(APPS_ALLOW_ANY=False):
            AppDefinition.objects.update(allowed=True)
            batch = self.started_batch(n=2)
            AppDefinition.objects.update(allowed=False)  # staff withdraw the app
            self.tick()
            assert self.sandbox.calls("generate") == 0
            assert Batch.objects.get(pk=batch["id"]).pause == "app_not_allowed"
            self.client.force_login(self.owner)
            resumed = self.client.post(f"/batches/{batch['id']}/resume/", follow=True)
            assert "This app is not approved for use here" in resumed.content.decode()
            assert Batch.objects.get(pk=batch["id"]).state == "paused"
            draft = Batch.objects.create(
                user=self.owner,
                definition=AppDefinition.objects.first(),
                app_id=WATERCOLOR,
                points_per_item=1,
            )
            BatchItem.objects.create(batch=draft, index=0, state="ready", points=1)
            started = self.client.post(f"/batches/{draft.pk}/start/", follow=True)
            assert "This app is not approved for use here" in started.content.decode()
            assert Batch.objects.get(pk=draft.pk).state == "draft"

    def test_run_again_follows_the_allow_list(self):
        run = self.start_run().json()
        self.finish(run["id"])
        self.client.force_login(self.owner)
        with self.settings(APPS_ALLOW_ANY=False):
            AppDefinition.objects.update(allowed=False)
            refused = self.client.post(
                f"/generations/{run['id']}/rerun/", {"idempotency_key": uuid.uuid4()}, follow=True
            )
        assert "This app is not approved for use here" in refused.content.decode()
        assert Run.objects.count() == 1
        assert self.sandbox.calls("generate") == 1

    def test_run_again_on_an_enhancement_needs_the_image_still_visible(self):
        run = self.start_run().json()
        done = self.finish(run["id"])
        Run.objects.filter(pk=done.pk).update(visibility="team", team=self.team)
        result = done.results.first()
        self.client.force_login(self.teammate)
        self.client.post("/enhance/", {"result": str(result.pk), "idempotency_key": uuid.uuid4()})
        enhancement = Run.objects.get(kind="enhance")
        self.finish(enhancement.pk)
        Run.objects.filter(pk=done.pk).update(visibility="private")  # owner unshares
        refused = self.client.post(
            f"/generations/{enhancement.pk}/rerun/",
            {"idempotency_key": uuid.uuid4()},
            follow=True,
        )
        assert "The image to enhance is no longer available." in refused.content.decode()
        assert Run.objects.filter(kind="enhance").count() == 1
        assert self.sandbox.calls("optimize") == 1

    def test_a_submission_the_sweep_released_is_never_sent(self):
        # An upload that outlived the submission lease: the sweep released the run (no
        # call was sent yet); the request thread must not send generate afterwards.
        Budget.objects.create(user=self.owner, monthly_points=10)
        run, _ = submission.run_open(
            user=self.owner, team=None, key=uuid.uuid4(), points=2, app_id=WATERCOLOR
        )
        later = timezone.now() + timedelta(hours=1)
        tracking.runs_due(now=later)
        assert not Run.objects.filter(pk=run.pk).exists()
        with self.assertRaises(SubmitRefused):
            submission.send_once(run, lambda: self.fail("generate was sent"))
        assert ledger.points_used(user=self.owner) == 0


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_retry_pressed_ten_times_at_once_pays_each_failed_item_once(sandbox, settings):
    """Ten tabs press "Retry failed" at the same moment on a real web process."""
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    settings.IMAGE_URL_ALLOW_PRIVATE = True
    people = SimpleNamespace()
    create_people(people)
    definition = app_fetch(app_id=WATERCOLOR, language="en_US")
    photo = photos.photo_keep(user=people.owner, image=normalise(image_bytes(size=(300, 400))))
    batch, _ = batches.batch_create(
        user=people.owner,
        definition=definition,
        choices=RunChoices(style="183854633550716522", size="1"),
        items=[batches.ItemSpec(label=f"p{n}", photos={SLOT: photo}) for n in range(2)],
    )
    batches.batch_start(batch=batch)
    for _ in range(3):
        Chore.objects.filter(name=batch_pacing.SLOT).update(next_run=timezone.now())
        batch_pacing.batches_send_tick()
    for run in Run.objects.filter(batch=batch):
        sandbox.finish(run.task_id, "failed")
        Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now())
        tracking.run_poll(run_id=run.pk)
    assert Run.objects.filter(batch=batch, state="failed").count() == 2
    web, url = start_web(sandbox, settings)
    try:
        sessions = [login(url, "owner", PASSWORD) for _ in range(10)]
        start = threading.Barrier(10)

        def press(session: requests.Session) -> int:
            page = f"{url}/batches/{batch.pk}/"
            start.wait()
            return session.post(
                f"{url}/batches/{batch.pk}/retry/",
                headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": page},
                allow_redirects=False,
                timeout=120,
            ).status_code

        with ThreadPoolExecutor(10) as pool:
            statuses = list(pool.map(press, sessions))
    finally:
        web.kill()
        web.wait()
    assert all(status in (200, 302) for status in statuses), statuses
    assert BatchItem.objects.filter(batch=batch, retry_of__isnull=False).count() == 2
    assert ledger.points_used(user=people.owner) == 2  # two retries held, nothing twice
