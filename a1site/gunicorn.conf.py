"""gunicorn for the production profile: threads for slow uploads, logs to stdout."""

import os

workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# Submitting uploads photos to A1 inside the request; allow for a slow upstream.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# One line per request, with the id the portal logs under (X-Request-ID).
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "request_id": "%({x-request-id}o)s", '
    '"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}'
)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
