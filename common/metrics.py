"""The portal's Prometheus metrics: defined here once, counted by their owners.

Each web or worker process counts into its own files under PROMETHEUS_MULTIPROC_DIR
(prometheus-client's multi-process mode) and /metrics (ops/metrics.py) sums them, with
what is read from the database at scrape time. Labels are bounded: views, endpoints,
codes, states and outcomes, never a person.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

PREFIX = "a1studio"

# Seconds, from a fast page to a slow upload.
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Seconds from A1's completion to our copy: polling and downloading.
COPY = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 900.0)

http_requests = Counter(
    f"{PREFIX}_http_requests",
    "Requests answered, by view, method and status",
    ["view", "method", "status"],
)
http_seconds = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time to answer a request, by view and method",
    ["view", "method"],
    buckets=LATENCY,
)
runs_started = Counter(
    f"{PREFIX}_runs_started", "Runs whose call A1 accepted (a task was started), by kind", ["kind"]
)
runs_finished = Counter(
    f"{PREFIX}_runs_finished", "Runs that ended, by kind and state", ["kind", "state"]
)
copy_seconds = Histogram(
    f"{PREFIX}_copy_latency_seconds",
    "Seconds from A1's completion of a task to its results in our storage",
    buckets=COPY,
)
upstream_calls = Counter(
    f"{PREFIX}_upstream_calls",
    "Calls to A1, by endpoint and A1's code (or network, timeout, http_<status>)",
    ["endpoint", "code"],
)
upstream_seconds = Histogram(
    f"{PREFIX}_upstream_call_duration_seconds",
    "Time A1 took to answer, by endpoint",
    ["endpoint"],
    buckets=LATENCY,
)
upstream_backoffs = Counter(
    f"{PREFIX}_upstream_backoffs",
    "Times a call waited and tried again because A1 said 20000 (rate limited), by endpoint",
    ["endpoint"],
)
storage_errors = Counter(
    f"{PREFIX}_storage_errors", "Failures to write or delete a stored file", ["operation"]
)
cache_outages = Counter(
    f"{PREFIX}_cache_outages",
    "Times the shared cache was found unavailable and requests went on uncached",
)
webhook_deliveries = Counter(
    f"{PREFIX}_webhook_deliveries",
    "Webhook delivery attempts, by outcome (delivered, retrying, given_up)",
    ["outcome"],
)
gallery_pages = Counter(
    f"{PREFIX}_gallery_pages",
    "Gallery pages served, kept (from the page cache) or built",
    ["source"],
)
batch_items_sent = Counter(f"{PREFIX}_batch_items_sent", "Batch items sent to A1 as runs")


def upstream_call_observed(endpoint: str, code: str, seconds: float | None) -> None:
    """The a1 client's hook (a1/ stays free of Django and of this module)."""
    upstream_calls.labels(endpoint, code).inc()
    if seconds is not None:
        upstream_seconds.labels(endpoint).observe(seconds)


def upstream_backoff_observed(endpoint: str) -> None:
    upstream_backoffs.labels(endpoint).inc()


class RequestMetricsMiddleware:
    """Counts every answered request by the view that answered it (its URL name, so
    ids in paths never become labels) and times it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route or "unnamed") if match else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        http_requests.labels(view, method, str(response.status_code)).inc()
        http_seconds.labels(view, method).observe(time.perf_counter() - started)
        return response


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
