"""Work that spans our database and the A1 API, by concept. Views and tasks call these."""

from .apps import (
    AppUnavailable,
    RecentApp,
    a1_client,
    a1_language,
    app_allowed,
    app_fetch,
    app_visit,
    apps_recent,
)
from .budgets import (
    Allowance,
    allowances,
    balance_alert_active,
    balance_alert_clear,
    budget_check,
)
from .enhance import enhance_start
from .errors import SubmitRefused
from .generations import (
    AppUpdated,
    generation_rerun,
    generation_start,
    inputs_stage,
    track,
)
from .library import (
    Filters,
    apps_used,
    gallery_list,
    generation_delete,
    generation_favourite,
    generation_share,
    generation_zip,
    history_list,
    remix_initial,
    remix_inputs,
    teams_of,
)
from .teams import (
    billing_team,
    invite_accept,
    invite_create,
    is_manager,
    preferences_for,
    preferences_update,
)
from .tracking import (
    app_typical_seconds,
    generation_poll,
    generation_resume,
    generations_due,
    poll_interval,
)
from .usage import usage_month

__all__ = [
    "Allowance",
    "AppUnavailable",
    "AppUpdated",
    "Filters",
    "RecentApp",
    "SubmitRefused",
    "a1_client",
    "a1_language",
    "allowances",
    "app_allowed",
    "app_fetch",
    "app_typical_seconds",
    "app_visit",
    "apps_recent",
    "apps_used",
    "balance_alert_active",
    "balance_alert_clear",
    "billing_team",
    "budget_check",
    "enhance_start",
    "gallery_list",
    "generation_delete",
    "generation_favourite",
    "generation_poll",
    "generation_rerun",
    "generation_resume",
    "generation_share",
    "generation_start",
    "generation_zip",
    "generations_due",
    "history_list",
    "inputs_stage",
    "invite_accept",
    "invite_create",
    "is_manager",
    "poll_interval",
    "preferences_for",
    "preferences_update",
    "remix_initial",
    "remix_inputs",
    "teams_of",
    "track",
    "usage_month",
]
