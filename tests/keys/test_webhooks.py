"""Signed webhooks, posted to a real local HTTP receiver, retried with backoff."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from generator.batches import pacing as batch_pacing
from generator.keys import services as keys
from generator.keys import webhooks
from generator.models import Run, WebhookDelivery
from generator.schedules.models import Chore
from tests.base import WATERCOLOR
from tests.keys.webhook_receiver import Receiver
from tests.live import ApiTestCase

SLOT = "cnet_17466175263110005"


@pytest.fixture
def receiver(request):
    made = []

    def make(statuses=(200,)):
        made.append(Receiver(statuses))
        return made[-1]

    request.cls.receiver = staticmethod(make)
    yield
    for r in made:
        r.close()


@pytest.mark.usefixtures("receiver")
class WebhookTests(ApiTestCase):
    def keyed_run(self, hook: Receiver, state="completed") -> tuple[Run, WebhookDelivery]:
        _key, token = keys.key_create(user=self.owner, name="hooked", webhook_url=hook.url)
        started = self.start_run(token=token).json()
        run = self.finish(started["id"], state=state)
        return run, WebhookDelivery.objects.get(run=run)

    def test_it_posts_a_signed_message_when_a_run_ends(self):
        hook = self.receiver()
        run, delivery = self.keyed_run(hook)
        assert delivery.event == "run.completed"
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        ((headers, body),) = hook.received
        parts = dict(part.split("=") for part in headers["A1Studio-Signature"].split(","))
        stamp, sent = parts["t"], parts["v1"]
        secret = run.api_key.webhook_secret
        assert sent == webhooks.signature(secret=secret, timestamp=int(stamp), body=body)
        payload = json.loads(body)
        assert payload["event"] == "run.completed" and payload["run"]["id"] == str(run.pk)
        assert len(payload["run"]["results"]) == 2
        delivery.refresh_from_db()
        assert delivery.delivered_at and delivery.last_status == 200

    def test_it_says_when_a_run_failed(self):
        _run, delivery = self.keyed_run(self.receiver(), state="failed")
        assert delivery.event == "run.failed"

    def test_it_retries_with_growing_waits_then_stops(self):
        hook = self.receiver(statuses=(500, 503, 200))
        _run, delivery = self.keyed_run(hook)
        now = timezone.now()
        first = webhooks.webhook_deliver(delivery_id=delivery.pk, now=now)
        assert first - now == timedelta(seconds=10)
        assert webhooks.webhook_deliver(delivery_id=delivery.pk, now=now) is None  # not due
        second = webhooks.webhook_deliver(delivery_id=delivery.pk, now=first)
        assert second - first == timedelta(seconds=30)
        assert webhooks.webhook_deliver(delivery_id=delivery.pk, now=second) is None
        delivery.refresh_from_db()
        assert delivery.attempts == 3 and delivery.delivered_at and len(hook.received) == 3

    def test_it_gives_up_after_the_last_try(self):
        hook = self.receiver(statuses=(500,))
        _run, delivery = self.keyed_run(hook)
        with self.settings(WEBHOOK_ATTEMPTS=2):
            due = webhooks.webhook_deliver(delivery_id=delivery.pk)
            assert webhooks.webhook_deliver(delivery_id=delivery.pk, now=due) is None
        delivery.refresh_from_db()
        assert delivery.given_up_at and delivery.last_error == "answered HTTP 500"

    def test_it_never_calls_a_private_address(self):
        hook = self.receiver()
        _run, delivery = self.keyed_run(hook)
        with self.settings(IMAGE_URL_ALLOW_PRIVATE=False):
            assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        delivery.refresh_from_db()
        assert delivery.given_up_at and "public http(s) address" in delivery.last_error
        assert hook.received == []

    def test_it_sends_each_run_end_once(self):
        _run, delivery = self.keyed_run(self.receiver())
        assert webhooks.run_ended(run_id=delivery.run_id) is None
        assert WebhookDelivery.objects.count() == 1

    def test_it_sends_nothing_for_keys_without_a_webhook(self):
        run = self.start_run().json()
        self.finish(run["id"])
        assert WebhookDelivery.objects.count() == 0

    def test_it_takes_up_deliveries_whose_job_was_lost(self):
        _run, delivery = self.keyed_run(self.receiver())
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=5)
        )
        assert webhooks.resume_webhooks.call() == 1

    def test_a_batch_tells_its_webhook_once_when_it_ends_not_once_per_run(self):
        hook = self.receiver()
        _key, token = keys.key_create(user=self.owner, name="hooked", webhook_url=hook.url)
        photo = self.upload(token=token)
        body = {
            "app_id": WATERCOLOR,
            "style": "183854633550716522",
            "size": "1",
            "items": [{"label": n, "photos": {SLOT: photo}} for n in ("a", "b")],
        }
        batch = self.api("POST", "/batches", token=token, json=body).json()
        for _ in range(3):
            Chore.objects.filter(name=batch_pacing.SLOT).update(next_run=timezone.now())
            batch_pacing.batches_send_tick()
        for run in Run.objects.filter(batch_id=batch["id"]):
            self.finish(run.pk)
        assert not WebhookDelivery.objects.filter(run__isnull=False).exists()
        assert batch_pacing.batches_settle() == 1
        assert batch_pacing.batches_settle() == 0  # settled once, told once
        delivery = WebhookDelivery.objects.get()
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        payload = json.loads(hook.received[0][1])
        assert payload["event"] == "batch.finished" and payload["batch"]["id"] == batch["id"]
        assert payload["batch"]["counts"]["done"] == 2

    def test_it_stops_a_queued_delivery_when_the_key_is_revoked(self):
        hook = self.receiver()
        run, delivery = self.keyed_run(hook)
        self.login(self.owner)
        revoked = self.client.post(f"/account/keys/{run.api_key_id}/revoke/")
        assert revoked.status_code == 302
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        assert hook.received == []
        delivery.refresh_from_db()
        assert delivery.given_up_at and delivery.last_error == "the key was revoked"
        assert webhooks.resume_webhooks.call() == 0  # never taken up again

    def test_it_sends_a_queued_delivery_to_the_url_the_key_has_now(self):
        old, new = self.receiver(), self.receiver()
        run, delivery = self.keyed_run(old)
        self.login(self.owner)
        prefix = f"key{run.api_key_id}"
        changed = self.client.post(
            f"/account/keys/{run.api_key_id}/",
            {f"{prefix}-name": "hooked", f"{prefix}-webhook_url": new.url},
        )
        assert changed.status_code == 302
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        assert old.received == []
        ((_headers, body),) = new.received
        assert json.loads(body)["run"]["id"] == str(run.pk)
        delivery.refresh_from_db()
        assert delivery.delivered_at and delivery.url == new.url

    def test_it_stops_a_queued_delivery_when_the_key_loses_its_webhook(self):
        hook = self.receiver()
        run, delivery = self.keyed_run(hook)
        keys.key_update(key=run.api_key, name="hooked", monthly_points=None, webhook_url="")
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is None
        assert hook.received == []
        delivery.refresh_from_db()
        assert delivery.given_up_at and delivery.last_error == "the key has no webhook any more"
