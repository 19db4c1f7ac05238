"""The portal's A1 client: one per thread (one connection pool), rebuilt if settings change."""

from __future__ import annotations

import threading

from django.conf import settings

from ..a1 import A1Client

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
        _local.client = A1Client.from_settings()
        _local.config = config
    return _local.client
