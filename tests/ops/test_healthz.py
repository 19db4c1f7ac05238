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


def test_liveness_answers_while_the_database_is_down(client, db, monkeypatch):
    """An orchestrator restarts a process whose liveness fails: a database outage must
    not restart every web process, so liveness touches nothing but the process."""
    from ops import health

    monkeypatch.setattr(health, "_database", lambda: 1 / 0)
    live = client.get("/healthz/live")
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert client.get("/healthz/ready").status_code == 503


def test_readiness_checks_database_cache_storage_and_a_worker(client, db):
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "worker": "error",
    }
    WorkerHeartbeat.objects.create(worker="w1", seen_at=timezone.now(), upstream_ok=False)
    response = client.get("/healthz/ready")
    # A1 being unreachable is not a reason to take the portal out of rotation.
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_readiness_fails_when_storage_cannot_be_written(client, db, settings, tmp_path):
    WorkerHeartbeat.objects.create(worker="w1", seen_at=timezone.now(), upstream_ok=True)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    settings.MEDIA_ROOT = not_a_folder / "media"  # as a volume that failed to mount
    response = client.get("/healthz/ready")
    assert response.status_code == 503 and response.json()["storage"] == "error"


def test_probes_are_answered_over_plain_http_in_production(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz/live").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
