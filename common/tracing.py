"""OpenTelemetry traces, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.

When on: a span per request (opentelemetry-instrumentation-django), per worker job
(`job_span`, or `traced_job` for a whole task) and per call to A1 (opentelemetry-instrumentation-requests), each request's
span carrying its request id. A job queued by a request carries the request's
`traceparent` in its arguments, so a run is one trace from the click through the
worker's polls to A1 and back. Everything else is the standard OTEL_* environment
(OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, ...).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator

from opentelemetry import context, trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
_state = {"on": False}
tracer = trace.get_tracer("a1studio")


def tracing_start(*, exporter=None) -> bool:
    """Turn tracing on for this process (the OTLP exporter, or `exporter` in tests);
    False when it is not configured. Called once per process (ops/apps.py)."""
    if _state["on"]:
        return True
    if exporter is None and not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return False
    # The SDK and the instrumentations are imported only when tracing is on: every
    # process start would pay for them otherwise.
    from opentelemetry.instrumentation.django import DjangoInstrumentor  # when on only
    from opentelemetry.instrumentation.requests import RequestsInstrumentor  # when on only
    from opentelemetry.sdk.trace import TracerProvider  # when on only
    from opentelemetry.sdk.trace.export import (  # when on only
        BatchSpanProcessor,
        SimpleSpanProcessor,
    )

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # when on only
            OTLPSpanExporter,
        )

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    DjangoInstrumentor().instrument(is_sql_commentor_enabled=False)
    RequestsInstrumentor().instrument()
    _state["on"] = True
    return True


def tracing_stop() -> None:
    """Tests only: take the instrumentations out again."""
    from opentelemetry.instrumentation.django import DjangoInstrumentor  # as tracing_start
    from opentelemetry.instrumentation.requests import RequestsInstrumentor  # as tracing_start

    DjangoInstrumentor().uninstrument()
    RequestsInstrumentor().uninstrument()
    _state["on"] = False


def traceparent() -> str:
    """The current span's W3C traceparent ('' when tracing is off or nothing is traced)."""
    if not _state["on"]:
        return ""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", "")


def request_id_noted(rid: str) -> None:
    """The request's span carries the id its log lines carry."""
    if _state["on"]:
        trace.get_current_span().set_attribute("a1studio.request_id", rid)


@contextlib.contextmanager
def job_span(name: str, *, parent: str = "", **attributes: str) -> Iterator[None]:
    """A worker job's span, a child of the request that queued it when `parent` is its
    traceparent. Nothing when tracing is off."""
    if not _state["on"]:
        yield
        return
    ctx = _propagator.extract({"traceparent": parent}) if parent else context.Context()
    with tracer.start_as_current_span(
        name, context=ctx, kind=trace.SpanKind.CONSUMER, attributes=attributes
    ):
        yield


def traced_job[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    """A worker task whose every run is one span, named after it (under `@task()`).
    A task queued by a request that should join the request's trace opens its own
    `job_span` with the request's traceparent instead (`poll_run`)."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with job_span(func.__name__):
            return func(*args, **kwargs)

    return run
