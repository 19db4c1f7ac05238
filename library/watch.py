"""The version watch: the worker re-reads each library app about once a day.

One call per app, one app per step, a pause between steps (the task re-queues itself
with `run_after`, so the worker is never held by a sleep), and no retries: a rate
limit (20000) stops the round, and the apps left wait for the next day's. A new
version is recorded on the app's cards with the form fields it added or removed,
and the app's presets are checked against the new form.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.tasks import task
from django.utils import timezone

from a1 import A1Error, Code
from a1.errors import APP_UNAVAILABLE_CODES
from common.tracing import traced_job
from generator.models import AppDefinition
from generator.runs.definitions import (
    LANGUAGE_ORDER,
    a1_language,
    app_store,
    read_app_languages,
)
from generator.runs.inputs import app_slots, form_changes
from generator.runs.tracking import BACKOFF_KEY
from generator.runs.upstream import a1_client_once
from library.models import LibraryApp, LibraryEntry
from library.presets import presets_review

logger = logging.getLogger(__name__)

WATCH_GAP = timedelta(hours=20)  # an app read less than this long ago is not due
WATCH_PAUSE = timedelta(seconds=2)  # between two reads
RATE_LIMIT_BACKOFF = timedelta(seconds=30)

CHECKED, IDLE, STOPPED = "checked", "idle", "stopped"


def apps_due(*, now: datetime):
    """Library apps (still in some library) not read in the last WATCH_GAP, oldest first."""
    held = LibraryEntry.objects.filter(app=OuterRef("pk"))
    return (
        LibraryApp.objects.filter(Exists(held))
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lte=now - WATCH_GAP))
        .order_by(F("checked_at").asc(nulls_first=True), "pk")
    )


def library_watch_step(*, now: datetime | None = None) -> str:
    """Read the next app due, once. Returns CHECKED (more may be due), IDLE (none
    due) or STOPPED (A1 is rate limiting: the rest wait for the next round)."""
    now = now or timezone.now()
    backoff_until = cache.get(BACKOFF_KEY)
    if backoff_until and backoff_until > now:
        return STOPPED
    row = apps_due(now=now).first()
    if row is None:
        return IDLE
    # Claimed before asking, so two workers never read the same app in one round.
    if not LibraryApp.objects.filter(pk=row.pk, checked_at=row.checked_at).update(checked_at=now):
        return CHECKED
    language = row.language or a1_language()
    try:
        app = a1_client_once().app(row.app_id, language=language)
    except A1Error as exc:
        if exc.code == Code.RATE_LIMITED:
            LibraryApp.objects.filter(pk=row.pk, checked_at=now).update(checked_at=row.checked_at)
            cache.set(
                BACKOFF_KEY,
                now + RATE_LIMIT_BACKOFF,
                timeout=int(RATE_LIMIT_BACKOFF.total_seconds()) + 1,
            )
            logger.warning("Version watch stopped: A1 is rate limiting (%s)", exc)
            return STOPPED
        if exc.code in APP_UNAVAILABLE_CODES:
            LibraryApp.objects.filter(pk=row.pk).update(unavailable_code=exc.code)
        else:
            logger.warning("Version watch could not read app %s: %s", row.app_id, exc)
        return CHECKED
    definition = app_store(app_id=row.app_id, app=app, language=language)
    library_app_record(row=row, definition=definition, now=now)
    # Languages a rate limit kept the worker from reading are read after this round.
    read = AppDefinition.objects.filter(app_id=row.app_id, version_id=definition.version_id)
    if read.count() < len(LANGUAGE_ORDER) + 1:  # each of A1's languages, and its own
        version = definition.version_id
        transaction.on_commit(
            lambda: read_app_languages.enqueue(app_id=row.app_id, version_id=version)
        )
    return CHECKED


def library_app_record(*, row: LibraryApp, definition: AppDefinition, now: datetime) -> None:
    """What a fresh read says: the card's facts, and for a new version, what changed in
    its form (then the app's presets are checked against it)."""
    app = definition.app
    values = {
        "name": app.name[:300] or row.name,
        "cover": app.cover[:1000],
        "kind": LibraryApp.Kind.NODE if app.is_node else LibraryApp.Kind.FORM,
        "cost": min(app.cost(1), 32767),
        "takes_photos": bool(app_slots(app)),
        "unavailable_code": None,
    }
    if app.version_id and app.version_id != row.version_id:
        before = (
            AppDefinition.objects.filter(app_id=row.app_id, version_id=row.version_id)
            .order_by("-fetched_at")
            .first()
        )
        changes = form_changes(before.app, app) if before is not None else {}
        values |= {
            "version_id": app.version_id,
            "version_seen_at": now,
            "updated_at": now,
            "changes": changes,
        }
        logger.info("App %s has a new version %s: %s", row.app_id, app.version_id, changes)
    LibraryApp.objects.filter(pk=row.pk).update(**values)
    flagged = presets_review(definition=definition)
    if flagged:
        logger.info("%d preset(s) of app %s need a look", flagged, row.app_id)


@task()
@traced_job
def watch_library() -> str:
    """The daily chore, one app per run: re-queued after a pause while apps are due."""
    outcome = library_watch_step()
    if outcome == CHECKED:
        watch_library.using(run_after=timezone.now() + WATCH_PAUSE).enqueue()
    return outcome
