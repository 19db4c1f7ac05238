"""Per-key rate limits: a token bucket (a burst, then a sustained rate) in the shared cache.

The bucket is kept in its GCRA form, one number per key: the "theoretical arrival
time" (TAT) by which the bucket would be full again, in milliseconds. Each request
moves it on by one interval with the cache's atomic incr, so concurrent requests in
every web process sharing Redis are counted exactly; a request that would push it more
than a whole burst ahead is refused (and its step taken back with decr), and told how
long until one token is back. A key idle long enough for its TAT to fall behind the
clock starts again from a full bucket: that reset is a plain set, so two requests
racing on an idle key may both be let in; it can only ever err by letting one more in.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

KEEP_SECONDS = 3600  # a stale TAT means "full bucket", so keeping it longer is harmless


@dataclass(frozen=True)
class Limit:
    burst: int
    per_second: float

    @property
    def interval_ms(self) -> int:
        return max(round(1000 / self.per_second), 1)


def key_limit() -> Limit:
    return Limit(settings.API_RATE_BURST, settings.API_RATE_PER_MINUTE / 60)


def rate_take(*, bucket: str, limit: Limit | None = None, now: float | None = None) -> float:
    """Take one token; 0 if the request may go ahead, else the seconds until it may.

    A refused request takes nothing, so a client that keeps retrying is let in as soon
    as a token is back rather than being locked out.
    """
    limit = limit or key_limit()
    now_ms = round((time.time() if now is None else now) * 1000)
    step = limit.interval_ms
    name = f"rate:{bucket}"
    keep = max(KEEP_SECONDS, limit.burst * step // 1000 * 2)
    cache.add(name, now_ms, keep)
    try:
        tat = cache.incr(name, step)
    except ValueError:  # expired between add and incr
        cache.set(name, now_ms + step, keep)
        return 0.0
    if tat - step < now_ms:
        # Idle: the bucket is full again; restart the clock from now.
        cache.set(name, now_ms + step, keep)
        return 0.0
    if tat - now_ms <= limit.burst * step:
        return 0.0
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
        cache.decr(name, step)
    return (tat - now_ms - limit.burst * step) / 1000
