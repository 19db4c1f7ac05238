"""A real Prometheus scrapes the portal (gunicorn with two processes, and a worker)
during a few runs and a batch; its PromQL answers are the counts summed over every
process that did the work."""

import signal
import subprocess
import sys

import pytest
import requests
from django.db.models import Sum

from generator.keys import services as keys
from generator.models import Batch, Run
from tests.base import WATERCOLOR
from tests.conftest import ROOT, free_port, image_bytes, subprocess_env, wait_until
from tests.live import WATERCOLOR_RUN
from tests.ops.prometheus import Prometheus

TOKEN = "scrape-token-for-tests"
SLOT = "cnet_17466175263110005"


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/ping", timeout=2)
    except requests.RequestException:
        return False
    return True


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_prometheus_sums_what_every_process_counted(sandbox, settings, tmp_path, django_user_model):
    owner = django_user_model.objects.create_user("owner")
    _, api_token = keys.key_create(user=owner, name="script")
    shared = tmp_path / "metrics"
    env = subprocess_env(
        sandbox,
        settings,
        DEBUG="0",
        SECRET_KEY="a-test-secret-key-for-the-production-profile-0123456789",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        PROMETHEUS_MULTIPROC_DIR=str(shared),
        METRICS_TOKEN=TOKEN,
        METRICS_DB_SECONDS="0",
        BATCH_SEND_RATE="5",
        FAST_PASSWORD_HASHER_FOR_TESTS="",
    )
    port = free_port()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
             "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null"],
            env=env, cwd=ROOT,
        ),
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "runworker", "--no-reload",
             "--interval", "0.2", "--no-startup-delay"],
            env=env, cwd=ROOT,
        ),
    ]  # fmt: skip
    portal = f"http://127.0.0.1:{port}"
    prometheus = None
    try:
        assert wait_until(lambda: _answers(portal), timeout=60), "gunicorn did not answer"
        prometheus = Prometheus(tmp_path, f"127.0.0.1:{port}", TOKEN)
        assert wait_until(prometheus.target_up, timeout=30), "Prometheus could not scrape"

        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {api_token}"
        api = f"{portal}/api/v1"
        photo = http.post(
            f"{api}/uploads",
            files={"file": ("face.jpg", image_bytes(size=(300, 400)), "image/jpeg")},
            timeout=60,
        ).json()["id"]
        for n in range(3):
            response = http.post(
                f"{api}/runs",
                json={**WATERCOLOR_RUN, "photos": {SLOT: photo}},
                headers={"Idempotency-Key": f"run-{n}"},
                timeout=60,
            )
            assert response.status_code in (200, 201, 202), response.text
        batch = http.post(
            f"{api}/batches",
            json={
                "app_id": WATERCOLOR,
                "style": "183854633550716522",
                "size": "1",
                "items": [
                    {
                        "label": f"item-{i}",
                        "photos": {SLOT: photo},
                        "texts": {"1838546335507165192": c},
                    }
                    for i, c in enumerate(("red", "blue"))
                ],
            },
            headers={"Idempotency-Key": "batch-1"},
            timeout=60,
        )
        assert batch.status_code == 201, batch.text

        def all_done() -> bool:
            return (
                Run.objects.count() == 5
                and not Run.objects.exclude(state=Run.State.COMPLETED).exists()
            )

        assert wait_until(all_done, timeout=120), list(Run.objects.values_list("state", flat=True))
        assert wait_until(lambda: Batch.objects.get().state == Batch.State.DONE, timeout=60), (
            Batch.objects.get().state
        )

        # Every process that did the work left its files: two web processes and the worker.
        pids = {path.name.rsplit("_", 1)[-1] for path in shared.glob("*.db")}
        assert len(pids) >= 3, sorted(path.name for path in shared.glob("*.db"))

        expected = {
            'sum(a1studio_runs_finished_total{state="completed"})': 5,
            'sum(a1studio_runs_started_total{kind="generate"})': 5,
            'sum(a1studio_upstream_calls_total{endpoint="/images/generate",code="0"})': 5,
            "sum(a1studio_copy_latency_seconds_count)": 5,
            "sum(a1studio_batch_items_sent_total)": 2,
            'sum(a1studio_http_requests_total{view="api-v1:run_create",status="201"})': 3,
            # One photo for every run and item: A1 is given it once.
            'sum(a1studio_upstream_calls_total{endpoint="/images/upload",code="0"})': 1,
        }

        def prometheus_agrees() -> bool:
            return all(prometheus.query(q) == n for q, n in expected.items())

        assert wait_until(prometheus_agrees, timeout=30), [
            (q, prometheus.query(q), n) for q, n in expected.items() if prometheus.query(q) != n
        ]
        # Polling A1 happened in the worker; the sum is taken across all processes.
        assert prometheus.query('sum(a1studio_upstream_calls_total{endpoint="/tasks"})') >= 5
        assert prometheus.query("a1studio_workers_alive") >= 1
        assert prometheus.query("a1studio_polls_due") == 0
        spent = Run.objects.aggregate(n=Sum("points_spent"))["n"]
        assert prometheus.query("sum(a1studio_points_spent_total)") == spent
    finally:
        if prometheus is not None:
            prometheus.stop()
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
