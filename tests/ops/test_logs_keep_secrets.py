"""What an operator's logs hold, read from the real processes: no token from a path in
gunicorn's access log or Django's lines, no field a client forged, each worker line once,
no demo password printed twice, no public secret key beyond loopback."""

import json
import os
import signal
import subprocess
import sys

import pytest
import requests
from django.core.management import call_command

from accounts.management.commands import ensure_demo_user
from tests.conftest import ROOT, free_port, subprocess_env, wait_until

TOKEN = "c2VjcmV0LWludml0ZS10b2tlbi1uZXZlci1sb2dnZWQ"


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/ping", timeout=2)
    except requests.RequestException:
        return False
    return True


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_no_token_and_no_forged_field(sandbox, settings, tmp_path):
    port = free_port()
    out = tmp_path / "web.log"
    env = subprocess_env(sandbox, settings, LOG_FORMAT="json", LOG_LEVEL="INFO")
    with out.open("w") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
             "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", "1"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    forged = 'abcdefgh", "level": "CRITICAL", "x": "'
    try:
        assert wait_until(lambda: _answers(url), timeout=30)
        requests.get(f"{url}/team/join/{TOKEN}/", timeout=30, allow_redirects=False)
        requests.get(f"{url}/open-api/v1/a1/files/{TOKEN}/0.jpg", timeout=30)
        requests.get(f"{url}/ping", headers={"X-Request-ID": forged}, timeout=30)
        requests.get(f"{url}/nowhere%5C%22,%22status%22:%20200,%22x%22:%22", timeout=30)
        assert wait_until(lambda: out.read_text().count('"gunicorn.access"') >= 5)
    finally:
        web.send_signal(signal.SIGTERM)
        web.wait(timeout=15)
    text = out.read_text()
    assert TOKEN not in text
    access = [json.loads(line) for line in text.splitlines() if '"gunicorn.access"' in line]
    paths = {line["path"] for line in access}
    assert {"/team/join/[redacted]/", "/open-api/v1/a1/files/[redacted]/0.jpg"} <= paths
    assert '/nowhere\\","status": 200,"x":"' in paths  # escaped, not a field
    assert all(set(line) == {"time", "logger", "request_id", "method", "path", "status", "bytes", "ms"} for line in access)  # fmt: skip
    assert not any(line["request_id"] == forged or "level" in line for line in access)
    not_found = [json.loads(line) for line in text.splitlines() if "Not Found" in line]
    assert any(line["message"].endswith("/files/[redacted]/0.jpg") for line in not_found)


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_each_worker_line_is_printed_once(sandbox, settings, tmp_path):
    """Django's own console handler (on with DEBUG) printed every django.tasks line a
    second time beside ours, which is what `make run` showed."""
    out = tmp_path / "worker.log"
    with out.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runworker", "--no-reload",
             "--interval", "0.2", "--no-startup-delay"],
            env=subprocess_env(sandbox, settings, LOG_FORMAT="plain"),
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        assert wait_until(lambda: "state=SUCCESSFUL" in out.read_text(), timeout=30)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)
    lines = out.read_text().splitlines()
    done = [line for line in lines if "state=SUCCESSFUL" in line]
    task_ids = [line.split("Task id=")[1].split()[0] for line in done]
    assert len(task_ids) == len(set(task_ids)), "\n".join(done)
    assert all(" INFO django.tasks " in line for line in done)


def test_the_demo_password_is_printed_only_when_it_is_made(db, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(ensure_demo_user, "LOGIN_FILE", tmp_path / "demo-login.txt")
    settings.DEBUG = True
    outputs = []
    for _ in range(2):
        call_command("ensure_demo_user", stdout=(buffer := _Buffer()))
        outputs.append(buffer.text)
    password = (tmp_path / "demo-login.txt").read_text().split()[1]
    assert password in outputs[0]
    assert password not in outputs[1] and "demo-login.txt" in outputs[1]


def test_there_is_no_demo_user_with_debug_off(
    db, settings, tmp_path, monkeypatch, django_user_model
):
    monkeypatch.setattr(ensure_demo_user, "LOGIN_FILE", tmp_path / "demo-login.txt")
    settings.DEBUG = False
    call_command("ensure_demo_user", stdout=(buffer := _Buffer()))
    assert not django_user_model.objects.filter(username="demo").exists()
    assert "createsuperuser" in buffer.text and not (tmp_path / "demo-login.txt").exists()


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def _manage_check(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env={**clean, **env}, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


def test_beyond_loopback_a_missing_secret_key_stops_start_up_whatever_debug_says():
    refused = _manage_check(DEBUG="1", SECRET_KEY="", ALLOWED_HOSTS="portal.example.com")
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    assert (
        _manage_check(DEBUG="1", SECRET_KEY="", ALLOWED_HOSTS="localhost,127.0.0.1").returncode == 0
    )


def test_gunicorn_bound_beyond_loopback_needs_a_secret_key():
    clean = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
         "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
         "--bind", f"0.0.0.0:{free_port()}", "--workers", "1"],
        env={**clean, "DEBUG": "1", "SECRET_KEY": ""}, cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stdout + result.stderr
