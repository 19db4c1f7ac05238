"""gunicorn for the production profile: threads for slow uploads, logs to stdout."""

import os
from pathlib import Path

import environ

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Submitting uploads photos to A1 inside the request; allow for a slow upstream.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# Tokens in paths redacted and every value escaped for the JSON line (common/access_log.py).
logger_class = "common.access_log.AccessLogger"
# One line per request, with the id the portal logs under (X-Request-ID).
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def on_starting(server):
    """Bound beyond loopback, the portal needs its own SECRET_KEY whatever DEBUG says:
    the development fallback is public, so signed links would be forgeable."""
    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env", overwrite=False)
    if os.environ.get("SECRET_KEY"):
        return
    for address in server.cfg.bind:
        host = address.rsplit(":", 1)[0].strip("[]") if not address.startswith("unix:") else ""
        if host and host not in LOOPBACK:
            raise SystemExit(f"SECRET_KEY must be set to serve on {address} (beyond loopback).")


def child_exit(server, worker):
    """A web process that ended leaves its counters to be summed; its live gauges go."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # only when metrics are shared

        multiprocess.mark_process_dead(worker.pid)
