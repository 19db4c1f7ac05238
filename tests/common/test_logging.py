"""Log lines are JSON with the request id, and never carry the API key."""

import json
import logging

from common.logging import JsonFormatter, RequestIdFilter


def test_it_logs_json_lines_with_the_request_id(client, db, caplog):
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    lines = []
    handler.emit = lambda record: lines.append(handler.format(record))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/healthz", HTTP_X_REQUEST_ID="req-12345678")
    finally:
        logger.removeHandler(handler)
    assert response["X-Request-ID"] == "req-12345678"
    record = json.loads(lines[-1])
    assert record["request_id"] == "req-12345678" and record["logger"] == "django.request"


def test_it_makes_up_a_request_id_when_none_is_given(client, db):
    rid = client.get("/healthz")["X-Request-ID"]
    assert len(rid) == 32 and rid != client.get("/healthz")["X-Request-ID"]
