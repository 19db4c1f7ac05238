"""Real local HTTP servers that behave badly, and a pretend internet around them.

Only the outermost edge is faked: the operating system's name look-up
(`socket.getaddrinfo`) answers for a few `.test` names, and connections to a few public
addresses are routed to local servers (as the internet would route them to someone
else's machine). Every connection attempt is recorded, and any other public address is
unreachable, so nothing leaves this machine.
"""

from __future__ import annotations

import http.server
import io
import ipaddress
import socket
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image

# Public (global) addresses: never contacted, the pretend internet routes them locally.
PUBLIC_A = "93.184.215.14"
PUBLIC_B = "93.184.215.15"


def jpeg(size=(320, 240), color="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


Behaviour = Callable[[http.server.BaseHTTPRequestHandler], None]


def serve_image(content: bytes) -> Behaviour:
    def behave(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    return behave


def redirect_to(location: str) -> Behaviour:
    def behave(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return behave


def trickle_body(step: float = 0.2) -> Behaviour:
    """Announces an image, then sends a byte every `step` seconds, for as long as allowed."""

    def behave(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        _trickle(handler, b"\xff" * 100000, step)

    return behave


def trickle_headers(step: float = 0.2) -> Behaviour:
    """Sends even the status line and headers a byte at a time."""

    def behave(handler):
        handler.close_connection = True
        head = b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nX-Padding: " + b"a" * 10000
        _trickle(handler, head, step)

    return behave


def _trickle(handler, data: bytes, step: float) -> None:
    """A byte every `step` seconds until the client hangs up or the server stops."""
    stopped = handler.server.owner.stopped
    for byte in data:
        try:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
        except OSError:
            return  # the client hung up: what we want
        if stopped.wait(step):
            return


def huge_announced(length: int = 2 * 1024**3) -> Behaviour:
    """Announces a 2 GB body (and starts sending zeros)."""

    def behave(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        try:
            for _ in range(64):
                handler.wfile.write(b"\0" * 65536)
        except OSError:
            return

    return behave


def endless_unannounced() -> Behaviour:
    """No Content-Length: the body runs until the connection closes, past any cap."""

    def behave(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.close_connection = True
        handler.end_headers()
        chunk = b"\0" * (1024 * 1024)
        try:
            for _ in range(64):
                handler.wfile.write(chunk)
        except OSError:
            return

    return behave


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        server: LocalServer = self.server.owner
        with server.lock:
            server.requests.append(self.path)
        server.behaviour(self)

    def log_message(self, *args):
        pass


@dataclass
class LocalServer:
    """An HTTP server on 127.0.0.1 that counts the requests it gets."""

    behaviour: Behaviour
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopped: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def hits(self) -> int:
        with self.lock:
            return len(self.requests)

    def url(self, path: str = "/x.jpg", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def stop(self) -> None:
        self.stopped.set()  # slow behaviours end now rather than at their last byte
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class FakeInternet:
    """Names, routes and a log of every connection attempt made while it is installed."""

    names: dict[str, list[str]] = field(default_factory=dict)  # name -> answers, in turn
    routes: dict[tuple[str, int], int] = field(default_factory=dict)  # public -> local port
    lookups: list[str] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)

    def route(self, address: str, port: int, server: LocalServer) -> None:
        self.routes[(address, port)] = server.port

    def connected_to(self, port: int) -> list[tuple[str, int]]:
        return [c for c in self.connections if c[1] == port]


@contextmanager
def fake_internet(monkeypatch):
    net = FakeInternet()
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in net.names:
            net.lookups.append(name)
            answers = net.names[name]
            address = answers.pop(0) if len(answers) > 1 else answers[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port or 80)))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(sock, address):
        host, port = address[0], address[1]
        net.connections.append((host, port))
        if (host, port) in net.routes:
            return real_connect(sock, ("127.0.0.1", net.routes[(host, port)]))
        if not ipaddress.ip_address(host).is_global:
            return real_connect(sock, address)  # a leak would reach our local servers
        raise ConnectionRefusedError(f"the test network has no route to {host}")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    yield net
