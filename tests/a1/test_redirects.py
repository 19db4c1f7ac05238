"""The paid key never follows a redirect: an A1 address that answers 3xx is an error that
says so, and the place it points to never hears from us.

Two real local HTTP servers: "A1" answers every call with a redirect to "elsewhere",
which would answer like A1 and records every request it gets.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import translation

from a1 import A1Client, A1Error, Code, RetryPolicy
from a1.client import GenerateRequest
from generator.runs.messages import user_message

KEY = "paid-account-key-never-to-leave"
APP = "1838546335502970881"


class Server:
    """A loopback HTTP server answering every request with `answer(handler)`."""

    def __init__(self, answer):
        self.requests: list[tuple[str, str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                server.requests.append((self.command, self.path, dict(self.headers)))
                status, headers, body = answer(self)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = handle_one

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def a1_answer(handler):
    data = {"taskId": "123"} if handler.command == "POST" else {"id": APP, "versionId": "1"}
    return 200, {"Content-Type": "application/json"}, json.dumps({"code": 0, "data": data}).encode()


@pytest.fixture
def servers():
    """(the A1 address, which redirects with `status`, and the place it points to)."""
    made = []

    def make(status=302):
        elsewhere = Server(a1_answer)
        a1 = Server(lambda h: (status, {"Location": f"{elsewhere.url}{h.path}"}, b""))
        made.extend([a1, elsewhere])
        return a1, elsewhere

    yield make
    for server in made:
        server.close()


def client_for(url: str) -> A1Client:
    return A1Client(url, KEY, timeout=5, retry=RetryPolicy(attempts=3, base_delay=0.01))


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_it_never_sends_the_key_where_a_redirect_points(servers, status):
    a1, elsewhere = servers(status)
    client = client_for(a1.url)
    calls = [
        lambda: client.app(APP),
        lambda: client.task("123"),
        lambda: client.upload_file(b"\xff\xd8 not really", "face.jpg", "image/jpeg"),
        lambda: client.generate(GenerateRequest(app_id=APP, version_id="1")),
        lambda: client.optimize(path="a/b.jpg", image_url="https://cdn.example/b.jpg"),
    ]
    for call in calls:
        with pytest.raises(A1Error) as caught:
            call()
        assert caught.value.code == Code.REDIRECTED and caught.value.http_status == status
        assert "check A1_BASE_URL" in caught.value.msg and not caught.value.retry_safe
    assert elsewhere.requests == []  # never followed: the key stayed home
    assert len(a1.requests) == len(calls)  # and never asked again: retrying cannot help
    assert all(headers.get("apiKey") == KEY for _m, _p, headers in a1.requests)


def test_a_303_to_generate_leaves_the_outcome_unknown_and_other_redirects_do_not(servers):
    request = GenerateRequest(app_id=APP, version_id="1")
    a1, _elsewhere = servers(303)
    with pytest.raises(A1Error) as caught:
        client_for(a1.url).generate(request)
    assert caught.value.outcome_unknown  # "see other": it may have been done
    a1, _elsewhere = servers(307)
    with pytest.raises(A1Error) as caught:
        client_for(a1.url).generate(request)
    assert not caught.value.outcome_unknown  # "ask there instead": it was not done


def test_it_tells_the_person_to_have_the_address_checked(servers):
    a1, _elsewhere = servers(302)
    with pytest.raises(A1Error) as caught:
        client_for(a1.url).app(APP)
    with translation.override("en"):
        message = user_message(caught.value)
    assert message.startswith("The image service is not set up correctly.")
    assert "A1_BASE_URL" in message


def test_it_keeps_the_key_off_the_session_it_may_share(servers):
    a1, _elsewhere = servers(302)
    client = client_for(a1.url)
    assert "apiKey" not in client.session.headers
    assert KEY not in repr(client)
