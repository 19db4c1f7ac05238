"""Downloads bounded in time and size, whatever the server at the other end does.

A read timeout only bounds each wait for the next bytes: a server that trickles one byte
a second keeps a thread busy for as long as it likes, in the headers as well as in the
body. Under a `Deadline`, every socket our adapters open is watched, and when the
deadline passes a timer shuts it down, whatever phase the transfer is in (TLS, headers,
body). `read_capped` refuses a body larger than the cap, before reading when the server
announces its length. DNS look-ups are not interrupted: they keep the resolver's own
timeouts.
"""

from __future__ import annotations

import contextlib
import contextvars
import socket
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import ProxyManager

CHUNK = 64 * 1024

_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "bounded_deadline", default=None
)


class TransferRefused(Exception):
    """The transfer broke one of its limits."""


class TooLarge(TransferRefused):
    pass


class TooSlow(TransferRefused):
    pass


class Deadline:
    """A total time limit (monotonic clock) for every connection opened inside `with`."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._lock = threading.Lock()
        self._twins: list[socket.socket] = []
        self._expired = False
        self._closed = False
        self._token: contextvars.Token | None = None

    @property
    def passed(self) -> bool:
        return self._expired or time.monotonic() >= self.ends

    def check(self) -> None:
        if self.passed:
            raise TooSlow

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def watch(self, sock: socket.socket) -> None:
        # A second descriptor for the same socket: shutting it down stops reads on the
        # original too (and on the TLS socket later wrapped around it), and it stays ours
        # to close, so a recycled descriptor number is never touched.
        twin = sock.dup()
        with self._lock:
            if not (self._expired or self._closed):
                self._twins.append(twin)
                return
        _shut(twin)
        twin.close()

    def _expire(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._expired = True
            for twin in self._twins:
                _shut(twin)

    def __enter__(self) -> Deadline:
        self._token = _current.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()
        if self._token is not None:
            _current.reset(self._token)
        with self._lock:
            self._closed = True
            twins, self._twins = self._twins, []
        for twin in twins:
            twin.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other end
        sock.shutdown(socket.SHUT_RDWR)


class _WatchedConnection:
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        deadline = _current.get()
        if deadline is not None:
            deadline.watch(sock)
        return sock


class _WatchedHTTPConnection(_WatchedConnection, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedConnection, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapterMixin:
    """Makes an HTTPAdapter's connections visible to the current Deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[misc]
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS  # type: ignore[attr-defined]

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)  # type: ignore[misc]
        if isinstance(manager, ProxyManager):  # SOCKS managers bring their own pools
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


class WatchedAdapter(WatchedAdapterMixin, HTTPAdapter):
    pass


def watched_session(*, trust_env: bool = True) -> requests.Session:
    session = requests.Session()
    session.trust_env = trust_env
    session.mount("http://", WatchedAdapter())
    session.mount("https://", WatchedAdapter())
    return session


def read_capped(response: requests.Response, *, max_bytes: int, deadline: Deadline) -> bytes:
    """The whole body, or TooLarge past `max_bytes`, or TooSlow past the deadline."""
    announced = response.headers.get("Content-Length", "").strip()
    if announced.isdigit() and int(announced) > max_bytes:
        raise TooLarge
    body = bytearray()
    for chunk in response.iter_content(CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise TooLarge
        deadline.check()
    # A shut socket looks like the end of a body sent without a length: not a whole image.
    deadline.check()
    return bytes(body)
