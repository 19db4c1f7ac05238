"""/healthz: database, cache, a live worker, and whether that worker reaches A1.

The upstream check reads what the worker last saw: a monitor polling /healthz never
makes the portal call A1.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
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


def _latest_heartbeat():
    fresh = timezone.now() - timedelta(seconds=settings.WORKER_SWEEP_SECONDS * 3 + 5)
    return WorkerHeartbeat.objects.filter(seen_at__gte=fresh).order_by("-seen_at").first()


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


@require_GET
def ping(request: HttpRequest):
    """The cheapest answer the stack can give: the yardstick for page-speed ratios."""
    return HttpResponse(b"pong", content_type="text/plain")
