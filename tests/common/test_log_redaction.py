"""Nothing secret in a log line: tokens in paths redacted, a client's request id taken
only when it is a safe token, one line per record in the plain format."""

import json
import logging

from django.urls import URLPattern, URLResolver, get_resolver

from common.logging import (
    REDACTED,
    JsonFormatter,
    PlainFormatter,
    request_id_accepted,
    secrets_redacted,
)

TOKEN = "Zm9yZ2VkLXRva2VuLXRoYXQtbXVzdC1ub3QtbGVhaw"


def _routes(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.pattern.converters


def test_every_path_with_a_token_in_it_is_redacted():
    """A new URL with a `<token>` segment fails here until common/logging.py lists it."""
    found = []
    for route, converters in _routes(get_resolver().url_patterns):
        if "token" not in converters:
            continue
        path = "/" + route.replace("<str:token>", TOKEN)
        while "<" in path:
            start = path.index("<")
            path = path[:start] + "x" + path[path.index(">", start) + 1 :]
        found.append(path)
        assert TOKEN not in secrets_redacted(path), path
        assert TOKEN not in secrets_redacted(f'"GET https://portal.example{path} HTTP/1.1" 404')
    assert len(found) >= 2  # the gateway's kept files and the team invites


def test_a_token_in_a_path_is_replaced_and_the_rest_kept():
    line = f"Not Found: /team/join/{TOKEN}/ and /open-api/v1/a1/files/{TOKEN}/0.jpg"
    assert secrets_redacted(line) == (
        f"Not Found: /team/join/{REDACTED}/ and /open-api/v1/a1/files/{REDACTED}/0.jpg"
    )
    assert secrets_redacted("/team/") == "/team/"


def test_a_client_request_id_is_taken_only_when_it_is_a_safe_token():
    assert request_id_accepted("req-1.2_3") == "req-1.2_3"
    for forged in ['abcdefgh", "level": "CRITICAL', "a\nb" * 4, "x" * 65, "", "ümlaut-id"]:
        fresh = request_id_accepted(forged)
        assert fresh != forged and len(fresh) == 32


def test_a_forged_request_id_never_reaches_the_response_or_the_log(client, db):
    forged = 'abcdefgh", "level": "CRITICAL'
    rid = client.get("/healthz", HTTP_X_REQUEST_ID=forged)["X-Request-ID"]
    assert rid != forged and '"' not in rid


def _record(message: str, *args) -> logging.LogRecord:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
    record.request_id = "rid"
    return record


def test_the_plain_format_keeps_one_line_per_record_and_redacts():
    formatter = PlainFormatter("%(levelname)s [%(request_id)s] %(message)s")
    line = formatter.format(_record("Not Found: %s", f"/team/join/{TOKEN}/\nINFO [x] forged"))
    assert "\n" not in line and TOKEN not in line
    assert line.startswith("WARNING [rid] Not Found: /team/join/[redacted]/\\n")


def test_the_json_format_redacts_and_escapes():
    line = JsonFormatter().format(_record("Not Found: %s", f'/open-api/v1/a1/files/{TOKEN}/"x'))
    parsed = json.loads(line)
    assert TOKEN not in line and parsed["message"].endswith(f'/files/{REDACTED}/"x')


def test_secrets_in_a_query_are_replaced_and_the_rest_kept():
    line = (
        '"GET /sso/callback/?state=abc123&code=xyz789&next=/apps/ HTTP/1.1" 400 and '
        "https://bucket.s3/r/1.jpg?X-Amz-Credential=AKIA&X-Amz-Signature=f00d&x=1"
    )
    redacted = secrets_redacted(line)
    for secret in ("abc123", "xyz789", "AKIA", "f00d"):
        assert secret not in redacted
    assert "next=/apps/" in redacted and "&x=1" in redacted
    assert "?state=[redacted]&code=[redacted]" in redacted
