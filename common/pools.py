"""Thread pools a process keeps for itself (a worker's send and copy threads).

A pool is made on first use, with the size its setting names then, and its threads keep
their connections between uses; `stop` drops it (the next use makes a new one, with the
settings of its time) and returns once its threads have ended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


class ProcessPool:
    def __init__(self, *, size: Callable[[], int], prefix: str) -> None:
        self._size, self._prefix = size, prefix
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._size(), thread_name_prefix=self._prefix)
            return self._pool

    def stop(self, *, cancel: bool = False, first: Callable[[], None] | None = None) -> bool:
        """Drop the pool: work under way ends, queued work is cancelled with `cancel`.
        `first` runs as the pool is let go, before its threads are waited for (only when
        there was a pool). False when there was none."""
        with self._lock:
            pool, self._pool = self._pool, None
            if pool is not None and first is not None:
                first()
        if pool is None:
            return False
        pool.shutdown(wait=True, cancel_futures=cancel)
        return True
