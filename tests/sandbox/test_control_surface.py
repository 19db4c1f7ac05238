"""The sandbox's /_sandbox/ controls and its command line."""

import json
import subprocess
import sys

import requests
from django.test import RequestFactory

from sandbox import control
from sandbox.catalog import CASE_TAGS
from tests.a1.requests_for import valid_request
from tests.conftest import ROOT


def test_it_counts_calls_per_endpoint_and_key(a1, sandbox):
    a1.app("1838546335502970881")
    a1.app("1838546335502970881")
    stats = sandbox.stats()
    assert stats["calls"] == {"app": 2}
    assert stats["calls_by_key"] == {"sandbox": {"app": 2}}


def test_it_refuses_bad_knobs_with_a_reason(sandbox):
    for body in [{"failure_rate": 2}, {"nope": 1}, {"dialect": "klingon"}, {"latency": "x"}]:
        response = requests.post(f"{sandbox.url}/_sandbox/knobs", json=body, timeout=5)
        assert response.status_code == 400
        assert response.json()["error"]


def test_it_resets_state_and_knobs(a1, sandbox):
    sandbox.knobs(latency=0.1)
    a1.app("1838546335502970881")
    sandbox.reset()
    stats = sandbox.stats()
    assert stats["calls"] == {} and stats["knobs"]["latency"] == 0


def test_a_bump_can_change_the_form_as_an_authors_edit_would(a1, sandbox):
    emoji = "1838546335502970889"
    before = a1.app(emoji)
    version = sandbox.bump(
        emoji,
        remove=["1838546335507173012"],
        retype={"1838546335507173013": "brush"},
        add=[{"id": "1838546335507173099", "type": "size", "name": "Size"}],
    )
    after = a1.app(emoji)
    assert after.version_id == version != before.version_id
    assert [i.id for i in after.forms_of("description")[0].inputs] == []
    assert [f.type for f in after.forms] == ["cnet", "description", "brush", "size"]
    sandbox.reset()
    assert a1.app(emoji).version_id == before.version_id


def test_it_answers_the_control_surface_only_on_loopback():
    request = RequestFactory().get("/_sandbox/stats", REMOTE_ADDR="10.1.2.3")
    assert control.stats(request).status_code == 403


def test_its_catalog_covers_every_case():
    output = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "runsandbox", "--catalog"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    apps = json.loads(output)["apps"]
    assert len(apps) >= 8
    assert {case for app in apps for case in app["cases"]} == set(CASE_TAGS)
    for app in apps:
        assert app["id"].isdigit() and int(app["id"]) > 2**53
        assert isinstance(app["versionId"], str) and app["name"]


def test_it_rejects_a_bad_knob_flag_at_start():
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "runsandbox", "--failure-rate", "lots"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "failure_rate" in result.stderr


def test_it_lists_every_task_with_the_photos_it_was_given(a1, sandbox):
    """make chaos matches a task no run recorded (a worker killed between A1's answer and
    its write) to the run whose photo it carries: sent once, not twice."""
    request = valid_request(a1, a1.app("1838546335502970881"))
    task_id = a1.generate(request)
    listed = requests.get(f"{sandbox.url}/_sandbox/tasks", timeout=5).json()["tasks"]
    assert [t["id"] for t in listed] == [task_id]
    upload_id = request.cnet[0].image_url.rsplit("/", 1)[1].split(".")[0]
    assert listed[0]["params"]["photos"] == [upload_id]
