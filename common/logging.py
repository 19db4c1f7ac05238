"""Structured logs: one JSON object per line on stdout, each with the request id.

Nothing secret reaches a log: paths whose segment is a bearer token (a kept file's signed
link, a team invite) are redacted in every line, whichever logger wrote it, and a
client's X-Request-ID is used only when it is a safe token.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar

from common import tracing

request_id: ContextVar[str] = ContextVar("request_id", default="-")

# What a client may name its request: anything else gets a fresh id, so no quote,
# newline or control character from a header ever reaches a log line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Paths whose next segment is a bearer token (grep the urls.py files for `<str:token>`;
# tests/common/test_log_redaction.py fails when a new one is not listed here):
# gateway/urls.py `files/<token>/<name>`, generator/urls.py `team/join/<token>/`.
TOKEN_PATHS = ("/open-api/v1/a1/files/", "/team/join/")
_TOKEN_IN_PATH = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in TOKEN_PATHS) + r")[^/?#\s\"']+"
)
# Query parameters that carry a secret: single sign-on's code and state, signed storage
# links (S3's X-Amz-*), and any token or key a client might put in a link.
_SECRET_IN_QUERY = re.compile(
    r"([?&](?:code|state|token|key|api_?key|signature|x-amz-signature|x-amz-credential"
    r"|x-amz-security-token)=)[^&#\s\"']+",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def secrets_redacted(text: str) -> str:
    """`text` with every token in a path or a query replaced (anywhere in it: a bare
    path, a full URL, a request line)."""
    text = _TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
    return _SECRET_IN_QUERY.sub(r"\1" + REDACTED, text)


def request_id_accepted(incoming: str) -> str:
    """The client's id when it is a safe token, else a fresh one."""
    return incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class PlainFormatter(logging.Formatter):
    """For a terminal: one line per record (a newline in a message is escaped, so a
    path or a header cannot start a forged line), secrets redacted."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = record.message.replace("\r", "\\r").replace("\n", "\\n")
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return secrets_redacted(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": secrets_redacted(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = secrets_redacted(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class RequestIdMiddleware:
    """Takes X-Request-ID from a proxy (when it is a safe token) or makes one, and
    echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id_accepted(request.headers.get("X-Request-ID", ""))
        # Not reset afterwards: Django logs a failed response after this returns, and
        # each request on the thread sets its own id first.
        request_id.set(rid)
        tracing.request_id_noted(rid)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response
