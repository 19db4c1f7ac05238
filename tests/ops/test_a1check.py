"""`manage.py a1check` against the sandbox and each of its dialects: what a deployer
reads before people spend points."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.base import WATERCOLOR

HEADSHOT = "1838546335502970885"  # a node app
EMOJI = "1838546335502970889"  # published in Chinese
DIALECTS = ("standard", "labels", "numeric", "sparse", "objects", "states")

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(sandbox, settings):
    settings.A1_BASE_URL = sandbox.url
    settings.A1_API_KEY = "sandbox"

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("a1check", *args, "--poll-seconds", "0.1", "--wait-seconds", "30", stdout=out)
        text = out.getvalue()
        assert "sandbox" not in text.replace(sandbox.url, "")  # the key, never printed
        return text

    return run


def section(text: str, title: str) -> str:
    return text.split(f"{title}:\n", 1)[1].split("\n\n", 1)[0].split(":\n", 1)[0]


def test_it_reads_apps_and_uploads_without_spending(check, sandbox):
    text = check("--app", WATERCOLOR, "--app", EMOJI)
    assert "key: set" in text
    assert f"app {WATERCOLOR}: node marking present (appType, nodeNum)" in text
    assert "upload: a 64x64 PNG as form-data answers imageUrl and path" in text
    assert "upload by link: imageUrl as form-data answers a path" in text
    assert "task query with section: cn: answered A1's code 10001" in text
    assert f"app {EMOJI}: with no language its name is '表情包制作'" in text
    assert "generate: not run (no --spend): no points spent" in text
    assert "Did not hold:\n  (none)" in text
    assert sandbox.calls("generate") == 0 and sandbox.stats()["sections"] == {"task:cn": 1}


def test_it_generates_and_polls_only_when_allowed_to_spend(check, sandbox):
    text = check("--app", WATERCOLOR, "--spend", "1", "--yes")
    assert "generate: the task id is digits that fit a signed 64-bit integer" in text
    assert "Task states seen: 30, 10" in text
    assert "completed with image links" in text
    assert sandbox.calls("generate") == 1 and sandbox.stats()["points_spent"]["sandbox"] == 1


def test_it_asks_before_spending(check, sandbox, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    text = check("--app", WATERCOLOR, "--spend", "5")
    assert "Not confirmed: nothing will be spent." in text
    assert sandbox.calls("generate") == 0


def test_it_reports_a_missing_field(check, sandbox):
    sandbox.knobs(kind_fields=0)
    text = check("--app", HEADSHOT)
    missing = section(text, "Did not hold")
    assert f"app {HEADSHOT}: field appType missing" not in missing  # a note, said once
    assert f"app {HEADSHOT}: neither appType nor nodeNum in its details" in missing
    sandbox.knobs(kind_fields=1, dialect="labels")
    text = check("--app", WATERCOLOR)
    missing = section(text, "Did not hold")
    languages = "publishing language, en_US, zh_CN, zh_TW, ja_JP"
    assert f"app {WATERCOLOR}: field name missing (in {languages})" in missing
    assert f"app {WATERCOLOR} formArr: field name missing (in #0, #1, #2, #3)" in missing
    notes = section(text, "Notes (tolerant reader)")
    assert f"app {WATERCOLOR}: field title not expected (ignored) (in {languages})" in notes


def test_it_reports_an_unknown_task_state(check, sandbox):
    sandbox.knobs(dialect="states", task_seconds=2)
    text = check("--app", WATERCOLOR, "--spend", "1", "--yes")
    assert "state '0' is not one we know" in section(text, "Did not hold")
    assert "Task states seen: 0, 30, 10" in text


@pytest.mark.parametrize("dialect", DIALECTS)
def test_it_passes_against_each_dialect(check, sandbox, dialect):
    sandbox.knobs(dialect=dialect)
    text = check("--app", WATERCOLOR, "--app", HEADSHOT, "--spend", "3", "--yes")
    assert "Calls that failed:\n  (none)" in text
    assert sandbox.calls("generate") == 1


def test_it_fails_loudly_when_the_key_is_refused(check, settings):
    settings.A1_API_KEY = "revoked"
    with pytest.raises(CommandError, match="did not work"):
        check("--app", WATERCOLOR)
