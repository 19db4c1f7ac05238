"""The shared cache (Redis) as an optional service: when it is away, the portal works on.

Everything the cache holds can be lost: rate-limit buckets, back-off marks, page caches,
discovery documents. So a Redis that refuses, drops or stalls a call never breaks a
request: reads miss, writes are dropped, `add` stores nothing, `incr` finds no key (so a
rate limit lets the request in), and the failure is logged once per outage, not once
per call. After a failure the cache is left alone for OUTAGE_PAUSE seconds (each call
would otherwise wait for a refused or stalled connection), then tried again; its
return is logged too. Sockets have short timeouts (settings: CACHE_TIMEOUT).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from common import metrics

logger = logging.getLogger(__name__)

OUTAGE_PAUSE = 5.0  # seconds without calling a cache that just failed


class _Outage:
    """Per process: whether the cache is taken as away, and until when."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.lock = threading.Lock()
        self.until = 0.0
        self.down = False

    def skipping(self) -> bool:
        return self.down and time.monotonic() < self.until

    def failed(self, exc: Exception) -> None:
        with self.lock:
            first = not self.down
            self.down, self.until = True, time.monotonic() + self.pause
        if first:
            metrics.cache_outages.inc()
            logger.warning(
                "Cache unavailable (%s): serving uncached, rate limits let requests in",
                type(exc).__name__,
            )

    def answered(self) -> None:
        if self.down:
            with self.lock:
                back, self.down = self.down, False
            if back:
                logger.warning("Cache available again")


class OptionalRedisCache(RedisCache):
    """Django's Redis cache, with an unavailable Redis taken as an empty cache."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        # Ours, not redis-py's: seconds without calling a cache that just failed.
        pause = float(options.pop("outage_pause", OUTAGE_PAUSE))
        super().__init__(server, {**params, "OPTIONS": options})
        self._outage = _Outage(pause)

    def _call(self, method, *args, fallback, **kwargs):
        if self._outage.skipping():
            return fallback
        try:
            answer = method(*args, **kwargs)
        except RedisError as exc:
            self._outage.failed(exc)
            return fallback
        self._outage.answered()
        return answer

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, key, value, timeout, version, fallback=False)

    def get(self, key, default=None, version=None):
        return self._call(super().get, key, default, version, fallback=default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(super().set, key, value, timeout, version, fallback=None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, key, timeout, version, fallback=False)

    def delete(self, key, version=None):
        return self._call(super().delete, key, version, fallback=False)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, keys, version, fallback={})

    def has_key(self, key, version=None):
        return self._call(super().has_key, key, version, fallback=False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        answer = self._call(super().incr, key, delta, version, fallback=missing)
        if answer is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)")
        return answer

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(super().set_many, data, timeout, version, fallback=None)
        return []

    def delete_many(self, keys, version=None):
        self._call(super().delete_many, keys, version, fallback=None)

    def clear(self):
        return self._call(super().clear, fallback=False)
