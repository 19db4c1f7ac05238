"""The portal's A1 client: one per thread (one connection pool), rebuilt if settings change."""

from __future__ import annotations

import threading

from django.conf import settings

from a1 import A1Client, RetryPolicy
from common.metrics import upstream_backoff_observed, upstream_call_observed

_local = threading.local()


def a1_client() -> A1Client:
    config = (
        settings.A1_BASE_URL,
        settings.A1_API_KEY,
        settings.A1_SECTION,
        settings.A1_TIMEOUT,
        settings.A1_RETRY_BASE_DELAY,
    )
    if getattr(_local, "config", None) != config:
        _local.client = A1Client(
            settings.A1_BASE_URL,
            settings.A1_API_KEY,
            section=settings.A1_SECTION,
            timeout=settings.A1_TIMEOUT,
            connect_timeout=settings.A1_CONNECT_TIMEOUT,
            retry=RetryPolicy(base_delay=settings.A1_RETRY_BASE_DELAY),
            download_deadline=settings.A1_DOWNLOAD_DEADLINE,
            on_call=upstream_call_observed,
            on_backoff=upstream_backoff_observed,
        )
        _local.config = config
    return _local.client


def a1_client_once() -> A1Client:
    """A client that never retries: for paced background reads (the version watch),
    which stop at the first refusal instead of asking again."""
    client = a1_client()
    if getattr(_local, "once_for", None) is not client:
        _local.once = A1Client(
            settings.A1_BASE_URL,
            settings.A1_API_KEY,
            section=settings.A1_SECTION,
            timeout=settings.A1_TIMEOUT,
            connect_timeout=settings.A1_CONNECT_TIMEOUT,
            retry=RetryPolicy(attempts=1),
            session=client.session,
            on_call=upstream_call_observed,
        )
        _local.once_for = client
    return _local.once
