"""The reader takes every dialect the sandbox can emit and gives the same values."""

import logging

import pytest

from a1 import TaskState
from a1.types import parse_date
from tests.a1.requests_for import valid_request

WATERCOLOR = "1838546335502970881"
DIALECTS = ["labels", "numeric", "sparse", "objects", "states", "all"]


@pytest.fixture
def standard_app(a1):
    return a1.app(WATERCOLOR, language="en_US")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_it_reads_the_same_app_in_every_dialect(a1, sandbox, standard_app, dialect):
    sandbox.knobs(dialect=dialect)
    app = a1.app(WATERCOLOR, language="en_US")
    assert app.id == standard_app.id and app.version_id == standard_app.version_id
    assert app.name == standard_app.name
    assert [(f.id, f.type, f.name) for f in app.forms] == [
        (f.id, f.type, f.name) for f in standard_app.forms
    ]
    assert app.forms[1].inputs[0].id == standard_app.forms[1].inputs[0].id
    assert [(s.id, s.name, s.image) for s in app.styles] == [
        (s.id, s.name, s.image) for s in standard_app.styles
    ]
    assert app.cover == standard_app.cover
    assert all(isinstance(f.id, str) for f in app.forms)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_it_reads_tasks_in_every_dialect(a1, sandbox, standard_app, dialect):
    sandbox.knobs(dialect=dialect, task_seconds=30)
    task_id = a1.generate(valid_request(a1, standard_app, generate_num=2))
    running = a1.task(task_id)
    assert running.id == task_id and running.state is TaskState.PROCESSING
    assert running.created_at is not None and running.finished_at is None
    sandbox.finish(task_id)
    done = a1.task(task_id)
    assert done.state is TaskState.COMPLETED and len(done.images) == 2
    assert all(url.startswith("http") for url in done.images)
    assert done.finished_at is not None


def test_it_warns_when_ids_arrive_as_numbers(a1, sandbox, caplog):
    sandbox.knobs(dialect="numeric")
    with caplog.at_level(logging.WARNING, logger="a1.types"):
        app = a1.app(WATERCOLOR)
    assert app.id == WATERCOLOR  # 19 digits, exact: never went through a float
    assert "numeric id" in caplog.text


def test_it_treats_unknown_states_as_unfinished():
    assert TaskState.from_raw(0) is TaskState.PROCESSING
    assert TaskState.from_raw("40") is TaskState.PROCESSING
    assert TaskState.from_raw(None) is TaskState.PROCESSING
    assert TaskState.from_raw("10") is TaskState.COMPLETED
    assert TaskState.from_raw(20) is TaskState.FAILED


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-24T02:35:25.000Z",
        "2026-11-24T02:35:25+00:00",
        1795487725000,
        1795487725,
        "1795487725000",
    ],
)
def test_it_reads_dates_in_iso_seconds_or_milliseconds(value):
    assert parse_date(value).isoformat().startswith("2026-11-24T02:35:25")


@pytest.mark.parametrize("value", [None, "", "yesterday", 0])
def test_it_reads_missing_or_odd_dates_as_none(value):
    assert parse_date(value) is None
