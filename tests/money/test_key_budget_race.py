"""A key's own budget holds under concurrency: the same serialised transaction as the
user's and team's budgets, in a real web process."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests

from generator.keys import services as keys
from generator.models import Run
from tests.base import create_people
from tests.conftest import image_bytes, start_web
from tests.live import WATERCOLOR_RUN


@pytest.mark.process
@pytest.mark.django_db(transaction=True)
def test_it_accepts_exactly_one_of_twenty_simultaneous_runs_when_the_key_has_room_for_one(
    sandbox, settings
):
    people = SimpleNamespace()
    create_people(people)
    _key, token = keys.key_create(user=people.owner, name="cron", monthly_points=2)
    # The key's rate limit (a burst of 20) is not what this test is about: lifted.
    web, url = start_web(sandbox, settings, API_RATE_BURST="100")
    auth = {"Authorization": f"Bearer {token}"}
    try:
        upload = requests.post(
            f"{url}/api/v1/uploads", headers=auth, files={"file": ("a.jpg", image_bytes())},
            timeout=60,
        ).json()["id"]  # fmt: skip
        body = {**WATERCOLOR_RUN, "photos": {"cnet_17466175263110005": upload}}
        start = threading.Barrier(20)

        def press(n: int) -> requests.Response:
            start.wait()
            headers = {**auth, "Idempotency-Key": f"run-{n}"}
            return requests.post(f"{url}/api/v1/runs", headers=headers, json=body, timeout=120)

        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(press, range(20)))
    finally:
        web.kill()
        web.wait()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [402] * 19, [a.text[:200] for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 402} == {"budget_exceeded"}
    assert Run.objects.count() == 1 and sandbox.calls("generate") == 1
