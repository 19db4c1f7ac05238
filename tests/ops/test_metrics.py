"""/metrics in one process: who may read it, and what the owners count."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from a1 import A1Client, RetryPolicy
from common.metrics import upstream_backoff_observed, upstream_call_observed
from generator.models import WorkerHeartbeat


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret", **headers)
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = "s3cret"


def test_without_a_token_or_an_allowed_address_there_is_nothing_there(client, db, settings):
    settings.METRICS_TOKEN = "s3cret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_an_allowed_address_reads_it_without_a_token(client, db, settings):
    from ipaddress import ip_network

    settings.METRICS_ALLOWED_ADDRESSES = [ip_network("127.0.0.0/8")]
    assert client.get("/metrics").status_code == 200
    settings.METRICS_ALLOWED_ADDRESSES = [ip_network("10.0.0.0/8")]
    assert client.get("/metrics").status_code == 404


def test_requests_are_counted_by_view_method_and_status(client, db, token):
    before = scrape(client)
    client.get("/healthz/live")
    client.get("/no/such/page/")
    after = scrape(client)
    live = {"view": "healthz_live", "method": "GET", "status": "200"}
    assert (
        value(after, "a1studio_http_requests_total", **live)
        - value(before, "a1studio_http_requests_total", **live)
        == 1
    )
    assert (
        value(after, "a1studio_http_requests_total", view="unmatched", method="GET", status="404")
        >= 1
    )
    assert (
        value(
            after, "a1studio_http_request_duration_seconds_count", view="healthz_live", method="GET"
        )
        >= 1
    )


def test_the_a1_client_reports_each_call_and_each_backoff(client, db, token, sandbox):
    a1 = A1Client(
        sandbox.url, "sandbox", retry=RetryPolicy(attempts=20, base_delay=0.1, max_delay=0.1),
        on_call=upstream_call_observed, on_backoff=upstream_backoff_observed,
    )  # fmt: skip
    before = scrape(client)
    sandbox.knobs(throttle_seconds=0.3)
    a1.app("1838546335502970881")
    after = scrape(client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    limited = grew("a1studio_upstream_calls_total", endpoint="/apps", code="20000")
    assert limited >= 1
    assert grew("a1studio_upstream_calls_total", endpoint="/apps", code="0") == 1
    assert grew("a1studio_upstream_backoffs_total", endpoint="/apps") == limited
    assert grew("a1studio_upstream_call_duration_seconds_count", endpoint="/apps") == limited + 1


def test_the_database_figures_are_read_at_scrape_time(client, db, token, settings):
    settings.METRICS_DB_SECONDS = 0
    assert value(scrape(client), "a1studio_workers_alive") == 0
    from django.utils import timezone

    WorkerHeartbeat.objects.create(worker="w1", seen_at=timezone.now(), upstream_ok=True)
    samples = scrape(client)
    assert value(samples, "a1studio_workers_alive") == 1
    assert value(samples, "a1studio_poll_lag_seconds") == 0
    assert ("a1studio_batch_items", (("state", "waiting"),)) in samples


def test_turned_off_there_is_no_metrics_page_even_with_the_token(client, db, token, settings):
    settings.METRICS_ENABLED = False
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 404


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_its_own_machine_serves_its_counts(sandbox, settings, tmp_path):
    """WORKER_METRICS_BIND: the worker's own counts (summed over its machine's files)
    reach a scraper with the token, and nobody else; the database figures stay the web's."""
    import signal
    import subprocess
    import sys

    import requests

    from tests.conftest import ROOT, free_port, subprocess_env, wait_until

    port = free_port()
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runworker", "--no-reload",
         "--interval", "0.2", "--no-startup-delay"],
        env=subprocess_env(
            sandbox, settings, WORKER_METRICS_BIND=f"127.0.0.1:{port}", METRICS_TOKEN="w0rker",
            PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/metrics"

    def read(given="w0rker") -> requests.Response | None:
        try:
            return requests.get(url, headers={"Authorization": f"Bearer {given}"}, timeout=5)
        except requests.RequestException:
            return None

    try:
        assert wait_until(lambda: read() is not None, timeout=30)
        assert read("wrong").status_code == 404
        assert requests.get(url, timeout=5).status_code == 404
        response = read()
        assert response.status_code == 200
        assert "a1studio_copy_latency_seconds_count 0.0" in response.text
        assert "a1studio_workers_alive" not in response.text  # the web's /metrics says that
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)
