"""Log-in throttling (django-axes): per account and per address, the address from
X-Forwarded-For only behind our proxy, the admin too, and a page that says when to
try again. One flooding address locks out only itself."""

import re
import threading

import pytest
import requests
from axes.models import AccessAttempt
from django.db import connection

from tests.base import PASSWORD, BaseTestCase

PROXY = "10.0.0.2"  # every request behind the proxy comes from here
ATTACKER = "203.0.113.9"
OWNER_HOME = "198.51.100.7"
WRONG = b"Please enter a correct username and password."
LOCKED = b"Too many failed log-ins"


class ThrottleTests(BaseTestCase):
    def attempt(self, password, username="owner", *, remote=OWNER_HOME, forwarded=None, path=None):
        headers = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            headers["HTTP_X_FORWARDED_FOR"] = forwarded
        return self.client.post(
            path or "/accounts/login/", {"username": username, "password": password}, **headers
        )

    def assert_locked(self, response):
        assert response.status_code == 429
        assert LOCKED in response.content
        assert b"Try again in 15 minutes." in response.content
        assert 890 <= int(response["Retry-After"]) <= 900
        assert "_auth_user_id" not in self.client.session

    def test_it_locks_an_account_after_five_failures_and_says_when(self):
        for _ in range(4):
            response = self.attempt("wrong")
            assert response.status_code == 200 and WRONG in response.content
        self.assert_locked(self.attempt("wrong"))
        self.assert_locked(self.attempt(PASSWORD))  # even the right password waits
        # Attempts during the lockout are not counted: it still ends at the same time.
        assert AccessAttempt.objects.get(username="owner").failures_since_start == 5

    def test_it_locks_the_account_not_the_others_at_its_address(self):
        for _ in range(5):
            self.attempt("wrong")
        assert self.attempt(PASSWORD, username="teammate").status_code == 302

    def test_it_throttles_the_admin_log_in_with_the_same_count(self):
        for _ in range(3):
            self.attempt("wrong", username="staff")
        admin = "/admin/login/"
        assert self.attempt("wrong", username="staff", path=admin).status_code == 200
        self.assert_locked(self.attempt("wrong", username="staff", path=admin))
        self.assert_locked(self.attempt(PASSWORD, username="staff", path=admin))

    def test_it_locks_an_account_attacked_from_many_addresses_until_staff_unlock_it(self):
        with self.settings(BEHIND_PROXY=True):
            for n in range(1, 6):
                self.attempt("wrong", remote=PROXY, forwarded=f"203.0.113.{n}")
            self.assert_locked(self.attempt(PASSWORD, remote=PROXY, forwarded=OWNER_HOME))
            assert (
                self.attempt(PASSWORD, "teammate", remote=PROXY, forwarded=OWNER_HOME).status_code
                == 302
            )
            # Staff unlock in the admin: the account's attempts go.
            self.client.force_login(self.staff)
            attempts = AccessAttempt.objects.filter(username="owner")
            page = self.client.get("/admin/axes/accessattempt/")
            assert page.status_code == 200 and b"owner" in page.content
            response = self.client.post(
                "/admin/axes/accessattempt/",
                {
                    "action": "delete_selected",
                    "_selected_action": list(attempts.values_list("pk", flat=True)),
                    "post": "yes",
                },
            )
            assert response.status_code == 302
            assert not AccessAttempt.objects.filter(username="owner").exists()
            self.client.logout()
            assert self.attempt(PASSWORD, remote=PROXY, forwarded=OWNER_HOME).status_code == 302

    def test_one_flooding_address_behind_the_proxy_locks_out_only_itself(self):
        with self.settings(BEHIND_PROXY=True, LOGIN_FAILURES_PER_ADDRESS=6):
            for n in range(5):  # a different name each time: no account reaches its limit
                response = self.attempt("guess", f"user{n}", remote=PROXY, forwarded=ATTACKER)
                assert response.status_code == 200
            self.assert_locked(self.attempt("guess", "user5", remote=PROXY, forwarded=ATTACKER))
            # Writing someone else's address in front of its own does not help it.
            spoofed = f"{OWNER_HOME}, {ATTACKER}"
            self.assert_locked(self.attempt(PASSWORD, remote=PROXY, forwarded=spoofed))
            # Everyone else, behind the same proxy, logs in.
            assert self.attempt(PASSWORD, remote=PROXY, forwarded=OWNER_HOME).status_code == 302
            self.client.logout()
            assert (
                self.attempt(
                    PASSWORD, "teammate", remote=PROXY, forwarded="2001:db8::7"
                ).status_code
                == 302
            )

    def test_without_the_proxy_setting_forwarded_headers_are_ignored(self):
        with self.settings(BEHIND_PROXY=False, LOGIN_FAILURES_PER_ADDRESS=6):
            for n in range(5):  # a new forged address each time changes nothing
                forged = f"192.0.2.{n}"
                self.attempt("guess", f"user{n}", remote=ATTACKER, forwarded=forged)
            self.assert_locked(
                self.attempt("guess", "user5", remote=ATTACKER, forwarded=OWNER_HOME)
            )
            assert self.attempt(PASSWORD, remote=OWNER_HOME).status_code == 302

    def test_it_allows_fifty_failures_per_address_by_default(self):
        # Failures recorded earlier from this address, against 49 different names.
        for n in range(49):
            AccessAttempt.objects.create(
                username=f"user{n}",
                ip_address=ATTACKER,
                user_agent="<unknown>",
                failures_since_start=1,
                get_data="",
                post_data="",
                http_accept="",
                path_info="/accounts/login/",
            )
        assert self.attempt(PASSWORD, remote=ATTACKER).status_code == 302  # 49 < 50
        self.client.logout()
        self.assert_locked(self.attempt("wrong", "user49", remote=ATTACKER))  # the 50th


@pytest.mark.skipif(
    not connection.features.has_select_for_update,
    reason="SQLite cannot lock one account's row: concurrent guesses are bounded there by "
    "the number of web threads (docs/operators.md); the PostgreSQL pass runs this",
)
def test_guesses_sent_at_once_are_checked_at_most_five_times(live_server, django_user_model):
    django_user_model.objects.create_user("victim", password=PASSWORD)
    url = f"{live_server.url}/accounts/login/"
    sessions, tokens = [], []
    for _ in range(15):
        session = requests.Session()
        page = session.get(url, timeout=10).text
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
        sessions.append(session)
    start = threading.Barrier(15)
    statuses: list[int] = []

    def guess(session, token):
        start.wait()
        data = {"csrfmiddlewaretoken": token, "username": "victim", "password": "wrong"}
        statuses.append(session.post(url, data=data, timeout=60).status_code)

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(sessions, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each checked password is a recorded failure; the others were refused unchecked.
    checked = sum(a.failures_since_start for a in AccessAttempt.objects.filter(username="victim"))
    assert checked == 5
    assert sorted(statuses) == [200] * 4 + [429] * 11
