"""OpenTelemetry: one trace from a script's request, through the worker's job, to the
call to A1 (the in-memory exporter stands in for the collector)."""

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from a1.client import API_PREFIX
from common import tracing
from generator.files.queue import remove_pending_files
from generator.keys import services as keys
from generator.models import Run
from generator.runs import tracking
from tests.conftest import image_bytes, wait_until
from tests.live import WATERCOLOR_RUN


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    assert tracing.tracing_start(exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.tracing_stop()


def test_tracing_is_off_unless_an_endpoint_is_set(monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert not tracing.tracing_start()
    assert tracing.traceparent() == ""


def test_one_trace_from_the_request_through_the_worker_to_a1(
    spans,
    client,
    transactional_db,
    sandbox,
    settings,
    django_user_model,
    django_capture_on_commit_callbacks,
):
    settings.A1_BASE_URL, settings.A1_API_KEY = sandbox.url, "sandbox"
    owner = django_user_model.objects.create_user("owner")
    _, token = keys.key_create(user=owner, name="script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    photo = client.post("/api/v1/uploads", {"file": _file()}, **auth).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/runs",
            {**WATERCOLOR_RUN, "photos": {"cnet_17466175263110005": photo}},
            content_type="application/json",
            HTTP_X_REQUEST_ID="click-42",
            **auth,
        )
    assert response.status_code == 201, response.content
    run = Run.objects.get()

    # The worker takes the job the request queued, once A1 has finished.
    job = DBTaskResult.objects.get(task_path=tracking.poll_run.module_path)
    sandbox.finish(run.task_id)
    Run.objects.filter(pk=run.pk).update(next_poll_at=timezone.now())
    tracking.poll_run.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
    # The job hands the copy to a copying thread (generator/runs/copying.py).
    assert wait_until(lambda: Run.objects.get(pk=run.pk).state == Run.State.COMPLETED)
    assert wait_until(lambda: any(s.name == "copy_results" for s in spans.get_finished_spans()))

    finished = spans.get_finished_spans()
    request = next(
        s for s in finished
        if s.kind == SpanKind.SERVER and s.attributes.get("a1studio.request_id") == "click-42"
    )  # fmt: skip
    poll = next(s for s in finished if s.name == "poll_run")
    copy = next(s for s in finished if s.name == "copy_results")
    # Calls to A1's API (the test's own calls to the sandbox's control surface are traced too).
    calls = {
        s: str(s.attributes.get("url.full", s.attributes.get("http.url", "")))
        for s in finished
        if s.kind == SpanKind.CLIENT
    }
    generate = next(s for s, url in calls.items() if url.endswith("/images/generate"))
    task_query = next(s for s, url in calls.items() if f"{API_PREFIX}/tasks/" in url)

    trace_id = request.context.trace_id
    assert {
        generate.context.trace_id,
        poll.context.trace_id,
        task_query.context.trace_id,
        copy.context.trace_id,
    } == {trace_id}
    assert generate.parent.span_id == request.context.span_id
    assert poll.parent.span_id == request.context.span_id
    assert task_query.parent.span_id == poll.context.span_id
    assert poll.attributes["run_id"] == str(run.pk)
    assert copy.parent.span_id == poll.context.span_id and copy.attributes["run_id"] == str(run.pk)


def test_every_worker_job_is_a_span(spans, db):
    # A chore the worker runs on its own: its span is its name, and the work it did runs
    # inside it (the query that looks for files to remove is not traced, the job is).
    assert remove_pending_files.call() == 0
    (job,) = [s for s in spans.get_finished_spans() if s.name == "remove_pending_files"]
    assert job.kind == SpanKind.CONSUMER and job.parent is None


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("face.jpg", image_bytes(size=(300, 400)), content_type="image/jpeg")
