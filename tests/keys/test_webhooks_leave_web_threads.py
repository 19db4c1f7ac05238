"""A slow or hostile webhook receiver never holds the web's threads: a run's end only
queues a delivery (a django.tasks job); the worker posts it, bounded by WEBHOOK_TIMEOUT,
and tries again later. The receiver here accepts connections and never answers."""

from __future__ import annotations

import socket
import threading
import time

import requests
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from generator.keys import services as keys
from generator.keys import webhooks
from generator.models import WebhookDelivery
from tests.conftest import wait_until
from tests.live import ApiTestCase


class SilentReceiver:
    """Accepts every connection, reads nothing, answers nothing, keeps it open."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hooks/a1"
        self.held: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                connection, _address = self.listener.accept()
            except OSError:
                return
            self.held.append(connection)

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        for connection in self.held:
            connection.close()


class WebhooksLeaveWebThreadsTests(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.hook = SilentReceiver()
        self.addCleanup(self.hook.close)

    @override_settings(WEBHOOK_TIMEOUT=1.0)
    def test_a_run_end_only_queues_the_delivery_and_the_worker_gives_up_in_time(self):
        _key, token = keys.key_create(user=self.owner, name="hooked", webhook_url=self.hook.url)
        started = self.start_run(token=token)
        assert started.status_code == 201, started.text
        run = self.finish(started.json()["id"])  # the worker's step that ends the run
        delivery = WebhookDelivery.objects.get(run=run)
        assert delivery.attempts == 0 and not self.hook.held  # queued, never posted inline
        assert DBTaskResult.objects.filter(
            task_path=webhooks.deliver_webhook.module_path, status="READY"
        ).exists()

        # The worker's delivery meets the silent receiver; meanwhile the portal answers.
        outcome: dict[str, object] = {}

        def deliver() -> None:
            began = time.monotonic()
            outcome["next"] = webhooks.webhook_deliver(delivery_id=delivery.pk)
            outcome["seconds"] = time.monotonic() - began

        worker = threading.Thread(target=deliver)
        worker.start()
        assert wait_until(lambda: bool(self.hook.held), timeout=10, step=0.02)
        began = time.monotonic()
        for path in ("/ping", "/api/v1/me"):
            response = self.session(token).get(self.url(path), timeout=5)
            assert response.status_code == 200
        assert time.monotonic() - began < 1.0
        worker.join(10)
        assert outcome["next"] is not None  # tried again later
        assert float(outcome["seconds"]) < 3.0  # bounded by WEBHOOK_TIMEOUT, not the receiver
        delivery.refresh_from_db()
        assert delivery.delivered_at is None and "no answer" in delivery.last_error

    def test_no_web_request_posts_to_a_webhook(self):
        _key, token = keys.key_create(user=self.owner, name="hooked", webhook_url=self.hook.url)
        http = self.session(token)
        started = self.start_run(token=token).json()
        self.finish(started["id"])
        for path in ("/api/v1/me", f"/api/v1/runs/{started['id']}", "/api/v1/history"):
            began = time.monotonic()
            assert http.get(self.url(path), timeout=5).status_code == 200
            assert time.monotonic() - began < 1.0
        assert not self.hook.held
        assert requests.get(self.url("/ping"), timeout=5).status_code == 200
