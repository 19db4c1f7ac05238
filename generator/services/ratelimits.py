"""Per-key rate limits: a burst, then a sustained rate, counted in the shared cache.

Two counters per key, one for the current window and one for the window before, with
the earlier one weighted by how much of it still overlaps the last `window` seconds.
With window = burst / rate this allows `burst` requests at once after a quiet spell and
then `rate` per second, which is what a token bucket gives; unlike a bucket it needs
only the cache's atomic add and incr (no read-modify-write), so it holds across every
web process on Redis and needs no second code path for local memory.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    burst: int
    per_second: float

    @property
    def window(self) -> float:
        return self.burst / self.per_second


def key_limit() -> Limit:
    return Limit(settings.API_RATE_BURST, settings.API_RATE_PER_MINUTE / 60)


def rate_take(*, bucket: str, limit: Limit | None = None, now: float | None = None) -> float:
    """Count one request; 0 if it may go ahead, else the seconds to wait before the next.

    A refused request is not counted, so a client that keeps hammering is let in again
    as soon as the rate allows rather than being locked out for good.
    """
    limit = limit or key_limit()
    now = time.time() if now is None else now
    window = limit.window
    slot = math.floor(now / window)
    current, previous = f"rate:{bucket}:{slot}", f"rate:{bucket}:{slot - 1}"
    ttl = math.ceil(window * 2) + 1
    cache.add(current, 0, ttl)
    try:
        count = cache.incr(current)
    except ValueError:  # expired between add and incr
        cache.set(current, 1, ttl)
        count = 1
    overlap = 1 - (now - slot * window) / window
    earlier = (cache.get(previous) or 0) * overlap
    if count + earlier <= limit.burst:
        return 0.0
    with contextlib.suppress(ValueError):  # expired meanwhile: nothing left to give back
        cache.decr(current)
    # The estimate falls by `per_second` each second, as the earlier window slides out
    # and (once the window turns) the current one starts to weigh less.
    excess = count + earlier - limit.burst
    return max(excess / limit.per_second, 1 / limit.per_second)
