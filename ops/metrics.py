"""/metrics in Prometheus's format: what every process counted (summed over the files
in PROMETHEUS_MULTIPROC_DIR when set) and what the database says at scrape time.

Reachable only with `Authorization: Bearer <METRICS_TOKEN>` or from an address in
METRICS_ALLOWED_ADDRESSES; with neither set, /metrics answers 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
import time
from datetime import timedelta
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.db.models import Count, Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from common.metrics import PREFIX
from generator.batches.models import BatchItem
from generator.models import Run, WorkerHeartbeat
from generator.money.models import Budget, LedgerEntry
from generator.teams.models import Team

OTHER_TEAMS = "other"
NO_TEAM = "none"


class DatabaseCollector:
    """Gauges read from the database when Prometheus scrapes: the same in every web
    process, so they are not kept in the per-process files. Kept for a few seconds so
    several Prometheus servers scraping at once cost one set of queries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = 0.0
        self._families: list = []

    def collect(self):
        with self._lock:
            if time.monotonic() - self._read_at > settings.METRICS_DB_SECONDS:
                self._families = list(self._read())
                self._read_at = time.monotonic()
            return list(self._families)

    def _read(self):
        now = timezone.now()
        runs = GaugeMetricFamily(
            f"{PREFIX}_runs_in_flight",
            "Runs not yet ended, by kind and state",
            labels=["kind", "state"],
        )
        for row in (
            Run.objects.filter(state__in=(*Run.IN_FLIGHT, Run.State.SUBMITTING, Run.State.UNKNOWN))
            .values("kind", "state")
            .annotate(n=Count("pk"))
        ):
            runs.add_metric([row["kind"], row["state"]], row["n"])
        yield runs

        due = Run.objects.filter(state__in=Run.IN_FLIGHT, next_poll_at__lte=now).aggregate(
            n=Count("pk"), oldest=Min("next_poll_at")
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_polls_due",
            "In-flight runs whose poll is due and not yet taken",
            value=due["n"],
        )
        lag = (now - due["oldest"]).total_seconds() if due["oldest"] else 0.0
        yield GaugeMetricFamily(
            f"{PREFIX}_poll_lag_seconds",
            "How long the most overdue poll has waited past its time",
            value=max(0.0, lag),
        )

        jobs = GaugeMetricFamily(
            f"{PREFIX}_jobs_queued", "Worker jobs due and not yet taken, by task", labels=["task"]
        )
        queued = DBTaskResult.objects.ready().values_list("task_path").annotate(n=Count("pk"))
        for path, count in queued:
            jobs.add_metric([path.rsplit(".", 1)[-1]], count)
        yield jobs

        items = GaugeMetricFamily(
            f"{PREFIX}_batch_items",
            "Batch items waiting to be sent or being sent",
            labels=["state"],
        )
        counts = dict(
            BatchItem.objects.filter(state__in=BatchItem.HOLDING)
            .values_list("state")
            .annotate(n=Count("pk"))
        )
        for state in BatchItem.HOLDING:
            items.add_metric([state], counts.get(state, 0))
        yield items

        fresh = now - timedelta(seconds=settings.WORKER_SWEEP_SECONDS * 3 + 5)
        beats = WorkerHeartbeat.objects.aggregate(alive=Count("pk", filter=Q(seen_at__gte=fresh)))
        newest = (
            WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_workers_alive",
            "Workers that swept recently (their heartbeat)",
            value=beats["alive"],
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_worker_heartbeat_age_seconds",
            "Seconds since the last sweep of any worker",
            value=(now - newest).total_seconds() if newest else float("inf"),
        )
        yield from _points(now)


def _points(now):
    """Points held and spent by team, for the teams that spend most (METRICS_TEAMS);
    the rest add up under "other", people without a team under "none"."""
    names = dict(Team.objects.values_list("pk", "name"))
    spent = dict(
        LedgerEntry.objects.filter(kind=LedgerEntry.Kind.SPEND)
        .values_list("team")
        .annotate(n=Sum("points"))
    )
    held = dict(
        LedgerEntry.objects.filter(kind__in=(LedgerEntry.Kind.HOLD, LedgerEntry.Kind.RELEASE))
        .values_list("team")
        .annotate(n=Sum("points"))
    )
    budgets = dict(Budget.objects.filter(team__isnull=False).values_list("team", "monthly_points"))
    top = sorted(
        (t for t in spent.keys() | held.keys() if t is not None), key=lambda t: -(spent.get(t) or 0)
    )
    shown = set(top[: settings.METRICS_TEAMS])

    def label(team_id) -> str:
        if team_id is None:
            return NO_TEAM
        return f"{names.get(team_id, team_id)} ({team_id})" if team_id in shown else OTHER_TEAMS

    spent_family = CounterMetricFamily(
        f"{PREFIX}_points_spent", "Points spent (all time), by the team that paid", labels=["team"]
    )
    held_family = GaugeMetricFamily(
        f"{PREFIX}_points_held",
        "Points held by runs and items not yet settled, by team",
        labels=["team"],
    )
    budget_family = GaugeMetricFamily(
        f"{PREFIX}_team_budget_points", "A team's monthly budget in points", labels=["team"]
    )
    for family, values in ((spent_family, spent), (held_family, held)):
        summed: dict[str, int] = {}
        for team_id, points in values.items():
            summed[label(team_id)] = summed.get(label(team_id), 0) + (points or 0)
        for name, points in summed.items():
            family.add_metric([name], points)
    for team_id, points in budgets.items():
        if team_id in shown:
            budget_family.add_metric([label(team_id)], points)
    yield spent_family
    yield held_family
    yield budget_family


_database = DatabaseCollector()


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    else:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    registry.register(_database)
    return registry


class _Forward:
    """This process's own metrics, when there are no per-process files to sum."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def _allowed(authorization: str, remote_address: str) -> bool:
    if not settings.METRICS_ENABLED:
        return False
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    if settings.METRICS_ALLOWED_ADDRESSES:
        try:
            address = ipaddress.ip_address(remote_address)
        except ValueError:
            return False
        return any(address in network for network in settings.METRICS_ALLOWED_ADDRESSES)
    return False


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request.headers.get("Authorization", ""), request.META.get("REMOTE_ADDR", "")):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:  # Prometheus scrapes every few seconds
        pass


def worker_metrics_serve(*, bind: str) -> WSGIServer:
    """/metrics for a worker on a machine with no web process (WORKER_METRICS_BIND):
    the workers' files under PROMETHEUS_MULTIPROC_DIR summed, or this process's own.
    The database figures are left to the web's /metrics. Same token and addresses."""
    host, _, port = bind.rpartition(":")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))

    def guarded(environ, start_response):
        if environ.get("PATH_INFO") != "/metrics" or not _allowed(
            environ.get("HTTP_AUTHORIZATION", ""), environ.get("REMOTE_ADDR", "")
        ):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"Not Found"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [generate_latest(registry)]

    server = make_server(
        host.strip("[]") or "127.0.0.1", int(port), guarded, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
