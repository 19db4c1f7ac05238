"""Monthly budgets and the account-balance alert: refused before anything reaches A1."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth import get_user_model

from bench.harness import login
from generator.models import BalanceAlert, Budget, Membership, Run, Team
from tests.base import PASSWORD, WATERCOLOR, TrackingTestCase
from tests.conftest import image_bytes, start_web

KEY = r'name="idempotency_key" value="([0-9a-f-]+)"'


class BudgetTests(TrackingTestCase):
    def test_it_refuses_a_run_over_the_users_budget_before_uploading(self):
        Budget.objects.create(user=self.owner, monthly_points=3)
        self.start()  # 2 points
        self.login()
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key))  # 2 more: over 3
        assert response.status_code == 200
        assert "you have 1 of your 3 points left this month" in response.content.decode()
        stats = self.sandbox.stats()["calls"]
        assert stats["upload"] == 1 and stats["generate"] == 1  # nothing sent for the second

    def test_it_refuses_a_run_over_the_teams_budget(self):
        Budget.objects.create(team=self.team, monthly_points=2)
        self.start(user=self.teammate)
        self.login(self.owner)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key, generate_num="1"))
        assert "the team Studio has 0 of its 2 points left" in response.content.decode()

    def test_failed_runs_do_not_count_and_open_runs_do(self):
        Budget.objects.create(user=self.owner, monthly_points=4)
        failed = self.start()
        self.finish_upstream(failed, "failed")
        self.poll(failed)
        self.start()  # running: its 2 points are held
        html = self.client.get("/history/").content.decode()
        assert "2 points used this month" in html and "2 of 4 left" in html

    def test_it_pauses_new_runs_after_a1_reports_no_balance_until_staff_clear_it(self):
        self.sandbox.set_balance(0)
        self.login()
        key = self.form_key(self.form_page())
        self.submit(data=self.watercolor_post(key))
        assert BalanceAlert.objects.filter(cleared_at__isnull=True).count() == 1
        self.sandbox.set_balance(100)
        key = self.form_key(self.form_page())
        response = self.submit(data=self.watercolor_post(key))
        assert b"New runs are paused" in response.content
        assert self.sandbox.calls("generate") == 1
        self.login(self.staff)
        assert b"Clear the alert" in self.client.get("/apps/").content
        self.client.post(
            "/admin/generator/balancealert/",
            {"action": "clear", "_selected_action": [BalanceAlert.objects.get().pk]},
        )
        assert not BalanceAlert.objects.filter(cleared_at__isnull=True).exists()
        self.login(self.owner)
        key = self.form_key(self.form_page())
        assert self.submit(data=self.watercolor_post(key)).status_code == 302
        assert Run.objects.count() == 1


def _post_form(session: requests.Session, url: str, key: str, page_url: str):
    return session.post(
        f"{url}/apps/{WATERCOLOR}/",
        data={
            "idempotency_key": key,
            "style": "183854633550716522",
            "size": "1",
            "generate_num": "2",
        },
        files={"cnet_17466175263110005": ("me.jpg", image_bytes(size=(120, 160)), "image/jpeg")},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": page_url},
        allow_redirects=False,
        timeout=120,
    )


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scope", ["user", "team"])
def test_it_accepts_exactly_one_of_twenty_simultaneous_runs_when_there_is_room_for_one(
    scope, sandbox, settings
):
    """20 sessions press Generate at once; the budget has room for one 2-point run."""
    User = get_user_model()
    team = Team.objects.create(name="Studio")
    people = [User.objects.create_user(f"person{i}", password=PASSWORD) for i in range(20)]
    if scope == "user":
        people = people[:1]  # one person, twenty tabs
    for person in people:
        Membership.objects.create(team=team, user=person)
    if scope == "user":
        Budget.objects.create(user=people[0], monthly_points=2)
    else:
        Budget.objects.create(team=team, monthly_points=2)
    web, url = start_web(sandbox, settings)
    try:
        sessions = [login(url, people[i % len(people)].username, PASSWORD) for i in range(20)]
        forms = []
        for session in sessions:
            page = session.get(f"{url}/apps/{WATERCOLOR}/", timeout=60)
            forms.append((session, re.search(KEY, page.text).group(1), page.url))
        start = threading.Barrier(len(forms))

        def press(form):
            start.wait()
            return _post_form(form[0], url, form[1], form[2])

        with ThreadPoolExecutor(len(forms)) as pool:
            responses = list(pool.map(press, forms))
    finally:
        web.kill()
        web.wait()
    accepted = [r for r in responses if r.status_code == 302]
    refused = [r for r in responses if r.status_code == 200 and "points left this month" in r.text]
    assert (len(accepted), len(refused)) == (1, 19), [r.status_code for r in responses]
    assert Run.objects.count() == 1
    assert sandbox.calls("generate") == 1 and sandbox.calls("upload") == 1
