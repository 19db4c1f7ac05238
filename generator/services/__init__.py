"""Work that spans our database and the A1 API, by concept. Views and tasks call these."""

from .apps import (
    AppUnavailable,
    RecentApp,
    a1_client,
    a1_language,
    app_fetch,
    app_visit,
    apps_recent,
)
from .enhance import enhance_start
from .generations import (
    AppUpdated,
    SubmitRefused,
    generation_rerun,
    generation_start,
    inputs_stage,
    track,
)
from .tracking import (
    app_typical_seconds,
    generation_poll,
    generation_resume,
    generations_due,
    poll_interval,
)

__all__ = [
    "AppUnavailable",
    "AppUpdated",
    "RecentApp",
    "SubmitRefused",
    "a1_client",
    "a1_language",
    "app_fetch",
    "app_typical_seconds",
    "app_visit",
    "apps_recent",
    "enhance_start",
    "generation_poll",
    "generation_rerun",
    "generation_resume",
    "generation_start",
    "generations_due",
    "inputs_stage",
    "poll_interval",
    "track",
]
