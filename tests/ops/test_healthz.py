"""/healthz: what a monitor or load balancer asks; it never makes the portal call A1."""

import subprocess
import sys

from django.utils import timezone

from generator.models import WorkerHeartbeat
from tests.conftest import ROOT


def test_it_is_unhealthy_without_a_live_worker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "cache": "ok",
        "worker": "error",
        "upstream": "unknown",
    }


def test_it_is_healthy_with_a_worker_that_reaches_a1(client, db):
    WorkerHeartbeat.objects.create(worker="w1", seen_at=timezone.now(), upstream_ok=True)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_it_reports_an_unreachable_upstream(client, db):
    WorkerHeartbeat.objects.create(worker="w1", seen_at=timezone.now(), upstream_ok=False)
    assert client.get("/healthz").json()["upstream"] == "error"


def test_it_makes_no_upstream_call(client, db, sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    client.get("/healthz")
    assert sandbox.stats()["calls"] == {}


def test_a_worker_sweep_records_its_heartbeat_and_upstream(db, sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    from ops.management.commands.runworker import sweep_once

    sweep_once()
    beat = WorkerHeartbeat.objects.get()
    assert beat.upstream_ok


def test_production_settings_pass_the_deploy_check():
    env = {
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-key-with-enough-entropy-9f8e7d6c5b4a",
        "ALLOWED_HOSTS": "studio.example.com",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
