"""Health for monitors and orchestrators; none of them ever makes the portal call A1.

- /healthz: database, cache, a live worker, and whether that worker reaches A1 (what it
  last saw): the summary a monitor pages on.
- /healthz/live: the process answers (a liveness probe: restart it when this fails).
  Touches nothing else, so a database outage never restarts every web process.
- /healthz/ready: database, cache and storage reachable, and a worker alive by its
  heartbeat (a readiness probe: send no traffic here while this fails).
"""

import logging
import os
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from generator.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def _check(name: str, probe) -> str:
    try:
        return "ok" if probe() else "error"
    except Exception as exc:  # any failure means "not healthy": reported, not raised
        logger.warning("healthz: %s check failed: %s", name, type(exc).__name__)
        return "error"


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True


def _cache() -> bool:
    cache.set("healthz", "1", 5)
    return cache.get("healthz") == "1"


def _storage() -> bool:
    """Reachable: a bucket answers a HEAD (errors other than "not there" raise); a
    folder takes a file (written and removed at once)."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        storage.exists("healthz-probe")
        return True
    os.makedirs(storage.location, exist_ok=True)
    with tempfile.TemporaryFile(dir=storage.location):
        return True


def _latest_heartbeat():
    """The freshest worker heartbeat; None when there is none or the database just failed
    (a connection dropped between the probe and this read: not ready either)."""
    fresh = timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_SECONDS * 3 + 5)
    try:
        return WorkerHeartbeat.objects.filter(seen_at__gte=fresh).order_by("-seen_at").first()
    except DatabaseError as exc:
        logger.warning("healthz: worker heartbeat unreadable: %s", type(exc).__name__)
        return None


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check("database", _database), "cache": _check("cache", _cache)}
    beat = None
    if checks["database"] == "ok":
        beat = _latest_heartbeat()
    checks["worker"] = "ok" if beat else "error"
    checks["upstream"] = "ok" if beat and beat.upstream_ok else ("unknown" if not beat else "error")
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = {
        "database": _check("database", _database),
        "cache": _check("cache", _cache),
        "storage": _check("storage", _storage),
    }
    beat = _latest_heartbeat() if checks["database"] == "ok" else None
    checks["worker"] = "ok" if beat else "error"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "error", **checks}, status=200 if ready else 503
    )


@require_GET
def ping(request: HttpRequest):
    """The cheapest answer the stack can give: the yardstick for page-speed ratios."""
    return HttpResponse(b"pong", content_type="text/plain")
