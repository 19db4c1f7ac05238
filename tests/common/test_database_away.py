"""The database drops the connection mid-request, or is away: a clear 503, never a 500.

Real failures only. On PostgreSQL a table the request reads is locked from another
connection, the request's backend is seen waiting and terminated with
pg_terminate_backend (what a restart or a failover does to it); "away" is the database
refusing connections (ALLOW_CONNECTIONS false) with its backends terminated. On SQLite
another connection holds the write lock on the real file and the request that writes
meets "database is locked" (its busy timeout shortened for the test).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest
import requests
from django.db import connection, connections

from tests.conftest import wait_until
from tests.live import ApiTestCase

POSTGRES = connection.vendor == "postgresql"


def _control(dbname: str = "") -> psycopg.Connection:
    """A connection of our own to the test database (or `dbname`), beside the portal's."""
    params = connection.get_connection_params()
    if dbname:
        params["dbname"] = dbname
    return psycopg.connect(**params, autocommit=True)


@contextlib.contextmanager
def database_refusing() -> Iterator[None]:
    """PostgreSQL: the test database takes no new connection, and the portal's open ones
    are terminated (the test's own connection is kept for its clean-up)."""
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ours = cursor.fetchone()[0]
    with _control("postgres") as control:  # a database cannot shut its own door
        control.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            control.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> %s AND pid <> pg_backend_pid()",
                [name, ours],
            )
            yield
        finally:
            control.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


class DatabaseAwayTests(ApiTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.owner)
        self.browser = requests.Session()
        self.browser.cookies.set("sessionid", self.client.cookies["sessionid"].value)
        self.browser.get(self.url("/history/"), timeout=30)  # sets the CSRF cookie
        self.browser.headers["X-CSRFToken"] = self.browser.cookies.get("csrftoken", "")

    def a1(self, method: str, path: str, **kwargs) -> requests.Response:
        """A call to the gateway, as tests/gateway/base.py sends it."""
        url = self.url(f"/open-api/v1/a1{path}")
        return requests.request(method, url, headers={"apiKey": self.token}, timeout=30, **kwargs)

    def dropped_mid_request(self, send: Callable[[], requests.Response], *, table: str):
        """`send` in a thread; the database drops its connection while it runs."""
        answer: dict[str, requests.Response] = {}
        thread = threading.Thread(target=lambda: answer.update(r=send()))
        if POSTGRES:
            name = connection.settings_dict["NAME"]
            with _control() as control, _control() as observer:
                control.execute("BEGIN")
                control.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
                thread.start()
                waiting: list[int] = []

                def blocked() -> bool:
                    # Another connection: one in a transaction sees a frozen pg_stat_activity.
                    rows = observer.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s"
                        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
                        [name],
                    ).fetchall()
                    waiting[:] = [row[0] for row in rows]
                    return bool(waiting)

                assert wait_until(blocked, timeout=20, step=0.05), "the request never waited"
                for pid in waiting:
                    observer.execute("SELECT pg_terminate_backend(%s)", [pid])
                thread.join(30)
                control.execute("ROLLBACK")
        else:
            options = connections["default"].settings_dict["OPTIONS"]
            before = options["timeout"]
            options["timeout"] = 0.5  # the request's own connection opens after this
            holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
            try:
                holder.execute("BEGIN IMMEDIATE")
                thread.start()
                thread.join(30)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
                options["timeout"] = before
        assert "r" in answer, "the request hung"
        return answer["r"]

    def assert_back_shortly_page(self, response: requests.Response) -> None:
        html = response.text
        assert response.status_code == 503, html[:500]
        assert int(response.headers["Retry-After"]) > 0
        assert "We'll be back shortly" in html or "We&#x27;ll be back shortly" in html
        assert 'class="topbar"' in html and "/static/css/studio.css" in html
        assert "Traceback" not in html and "OperationalError" not in html

    def test_it_shows_the_back_shortly_page_when_the_connection_drops_mid_request(self):
        if POSTGRES:
            # The session is read in a middleware, before any view.
            response = self.dropped_mid_request(
                lambda: self.browser.get(self.url("/history/"), timeout=30),
                table="django_session",
            )
        else:
            response = self.dropped_mid_request(
                lambda: self.browser.post(self.url("/accounts/logout/"), timeout=30),
                table="django_session",
            )
        self.assert_back_shortly_page(response)
        # It comes back by itself: the next request is served.
        assert self.browser.get(self.url("/history/"), timeout=30).status_code == 200

    def test_it_speaks_the_persons_language(self):
        response = self.dropped_mid_request(
            lambda: self.browser.post(
                self.url("/accounts/logout/"),
                headers={"Accept-Language": "ja"},
                timeout=30,
            ),
            table="django_session",
        )
        assert response.status_code == 503
        assert 'lang="ja"' in response.text and "We'll be back shortly" not in response.text

    def test_the_api_answers_in_its_envelope(self):
        response = self.dropped_mid_request(
            lambda: self.api(
                "POST",
                "/uploads",
                files={"file": ("face.jpg", b"\xff\xd8 not read", "image/jpeg")},
            ),
            table="generator_apikey" if POSTGRES else "generator_inputimage",
        )
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["code"] == "unavailable" and "back shortly" in body["message"]
        assert body["message_cn"] and int(response.headers["Retry-After"]) > 0
        assert self.api("GET", "/me").status_code == 200

    def test_the_gateway_answers_in_a1s_envelope(self):
        response = self.dropped_mid_request(
            lambda: self.a1(
                "POST",
                "/images/upload",
                files={"file": ("face.jpg", b"\xff\xd8 not read", "image/jpeg")},
            ),
            table="generator_apikey" if POSTGRES else "generator_inputimage",
        )
        assert response.status_code == 503, response.text
        body = response.json()
        assert set(body) == {"code", "msg", "msg_cn", "data"}
        assert body["code"] == 20003 and "unavailable" in body["msg"]
        assert int(response.headers["Retry-After"]) > 0

    @pytest.mark.skipif(not POSTGRES, reason="a SQLite file cannot refuse connections")
    def test_while_the_database_is_away_nothing_is_a_500_and_ready_says_not_ready(self):
        with database_refusing():
            page = self.browser.get(self.url("/history/"), timeout=30)
            api = self.api("GET", "/me")
            gateway = self.a1("GET", "/tasks/nothing")
            ready = requests.get(self.url("/healthz/ready"), timeout=30)
            live = requests.get(self.url("/healthz/live"), timeout=30)
        self.assert_back_shortly_page(page)
        assert api.status_code == 503 and api.json()["code"] == "unavailable"
        assert gateway.status_code == 503 and gateway.json()["code"] == 20003
        assert ready.status_code == 503 and ready.json()["database"] == "error"
        assert live.status_code == 200  # the process is fine: no restart for an outage
        # Back by itself once the database takes connections again.
        assert self.browser.get(self.url("/history/"), timeout=30).status_code == 200
        assert requests.get(self.url("/healthz/ready"), timeout=30).json()["database"] == "ok"
