"""A threaded WSGI server for the sandbox that can cut a connection on purpose."""

from __future__ import annotations

from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.test.utils import override_settings

# The sandbox needs none of the portal's sessions, auth, CSRF or CSP machinery.
SANDBOX_SETTINGS = {
    "ROOT_URLCONF": "sandbox.urls",
    "MIDDLEWARE": ["django.middleware.common.CommonMiddleware"],
    "APPEND_SLASH": False,
    "ALLOWED_HOSTS": ["*"],
}


class SandboxRequestHandler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        # Lets a view drop the connection to simulate a network failure.
        environ["sandbox.socket"] = self.connection
        return environ

    def log_message(self, format, *args):
        pass  # the sandbox logs its own decisions; per-request lines would drown them


class SandboxServer(ThreadedWSGIServer):
    # Django's development server queues 10 connections; A1's service takes as many as a
    # portal opens. With every worker's copy threads downloading at once, a queue of 10
    # overflowed on a loaded machine and the sandbox reset connections A1 would accept.
    request_queue_size = 256


def serve(host: str, port: int, on_bind=None) -> None:
    override_settings(**SANDBOX_SETTINGS).enable()
    server = SandboxServer((host, port), SandboxRequestHandler, ipv6=":" in host)
    server.daemon_threads = True
    server.set_app(WSGIHandler())
    if on_bind:
        on_bind(server.server_address[1])
    try:
        server.serve_forever()
    finally:
        server.server_close()
