"""The two steps every run takes before A1 works on it: hold the points, send once.

`run_open` asks `budgets.spend_check` whether the actor may spend, writes the run's row
and its hold in the ledger, in one serialised transaction. `send_once` sends the call
that spends points exactly once, and only while the row is still its to send, then
records what is known afterwards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from a1 import A1Error, Code
from common import metrics
from generator.errors import SubmissionLapsed
from generator.models import BatchItem, InputImage, Run, Team
from generator.money.budgets import balance_alert_raise, spend_check
from generator.money.ledger import Billing, ledger_hold, ledger_release
from generator.runs.durations import FIRST_POLL_AFTER, first_poll_after
from generator.runs.holds import run_refused
from generator.runs.inputs import ImageSlot
from generator.runs.photos import photos_attach
from generator.runs.tracking import track
from generator.runs.workers import RELEASED, worker_current

logger = logging.getLogger(__name__)

State = Run.State
# How long an answer A1 gave is held while the database is away, to be written when it
# returns: longer than a restart or a failover (tens of seconds).
OUTCOME_WRITE_SECONDS = 90.0


def run_open(
    *,
    user,
    team: Team | None,
    key,
    points: int,
    photos: Mapping[ImageSlot, InputImage] | None = None,
    batch_item: BatchItem | None = None,
    **fields,
) -> tuple[Run, bool]:
    """Check who may spend, write the SUBMITTING row and hold its points, in one transaction.

    Returns (run, created). An existing run with this key is returned as it is:
    a double click, a reload or a retried script request starts nothing new. Raises
    SubmitRefused when a budget or the account cannot pay.
    """
    with transaction.atomic():
        existing = Run.objects.filter(user=user, idempotency_key=key).first()
        if existing is not None:
            return existing, False
        is_app = fields.get("kind", Run.Kind.GENERATE) == Run.Kind.GENERATE
        spend_check(
            user=user,
            team=team,
            points=points,
            app_id=fields.get("app_id", "") if is_app else None,
            api_key=fields.get("api_key"),
            transferring=batch_item,
        )
        try:
            with transaction.atomic():
                run = Run.objects.create(
                    user=user,
                    team=team,
                    idempotency_key=key,
                    points_quoted=points,
                    state=State.SUBMITTING,
                    claimed_until=submit_lease(),
                    claimed_by=worker_current(),
                    **fields,
                )
        except IntegrityError:
            # Another request with the same key won the race: show that one.
            return Run.objects.get(user=user, idempotency_key=key), False
        ledger_hold(
            points=points,
            billing=Billing.of(user=user, team=team, api_key=fields.get("api_key")),
            run=run,
            app_id=run.app_id,
            app_name=run.app_name,
        )
        if photos:
            photos_attach(run=run, photos=photos)
        if batch_item is not None:
            # The item's hold becomes the run's in the same transaction: never both.
            BatchItem.objects.filter(pk=batch_item.pk).update(
                state=BatchItem.State.SENT, run=run, claimed_until=None
            )
            ledger_release(item_ids=[batch_item.pk])
    return run, True


def submit_lease() -> datetime:
    """Until when a submitting process answers for its run (see tracking's sweep)."""
    return timezone.now() + timedelta(seconds=settings.SUBMIT_LEASE)


def submission_renew(*, run: Run) -> None:
    """A slow step of the submission (an upload) is still under way."""
    Run.objects.filter(pk=run.pk, state=State.SUBMITTING).update(claimed_until=submit_lease())


def send_once(run: Run, call: Callable[[], str]) -> Run:
    """Send the call that spends points, once, and record what is known afterwards.

    `sent_at` is written before the call goes out: a process that dies after that
    leaves a run whose outcome is unknown (never sent again), one that dies before it
    leaves a run that certainly reached nothing (released by the sweep). No answer: the
    run is "unknown". A definite refusal spent nothing: the hold is released and
    the A1Error raised.
    """
    now = timezone.now()
    # Sent only if this run is still ours to send: a submission that outlived its lease
    # (a very slow upload) may have been released by the sweep, its row and hold gone.
    ours = Run.objects.filter(pk=run.pk, state=State.SUBMITTING, sent_at__isnull=True).update(
        sent_at=now, claimed_until=submit_lease()
    )
    if ours != 1:
        raise SubmissionLapsed(
            _("This submission took too long and was stopped before anything was sent. Try again.")
        )
    # When to ask A1 first (durations.py) is known before it answers: once it has, the
    # only database work left is the retried write of its task id (outcome_write), so
    # no read of past runs can lose the id of a task A1 bills.
    first_poll_after_answer = _first_poll_after(run)
    try:
        task_id = call()
    except A1Error as exc:
        if exc.outcome_unknown:
            Run.objects.filter(pk=run.pk, state=State.SUBMITTING).update(
                state=State.UNKNOWN,
                problem=Run.Problem.NO_ANSWER,
                error_code=exc.code,
                submitted_at=now,
                **RELEASED,
            )
            logger.warning("Run %s: outcome unknown (%s)", run.pk, exc)
            run.refresh_from_db()
            return run
        run_refused(run=run)
        if exc.code == Code.BALANCE_INSUFFICIENT:
            balance_alert_raise(message=str(exc))
        raise
    # The first query once the app's tasks usually end, counted from A1's answer.
    first_poll = timezone.now() + first_poll_after_answer
    started = {
        "task_id": task_id,
        "state": State.RUNNING,
        "submitted_at": now,
        "next_poll_at": first_poll,
        "stall_at": now + timedelta(seconds=settings.A1_STALL_AFTER),
    }
    # A run the sweeper gave up on as "unknown" while A1 was slow still gets its task.
    # A1 has made the task: its id is written even if the database goes away now.
    outcome_write(
        lambda: Run.objects.filter(pk=run.pk, state__in=(State.SUBMITTING, State.UNKNOWN)).update(
            problem="", **RELEASED, **started
        ),
        what=f"run {run.pk}: A1's task {task_id}",
    )
    run.refresh_from_db()
    metrics.runs_started.labels(run.kind).inc()
    track(run)
    return run


def _first_poll_after(run: Run) -> timedelta:
    """The app's usual duration (durations.py), or A1's documented minimum if it cannot
    be read now (the database or the cache away): a poll a little early costs a query."""
    try:
        return first_poll_after(kind=run.kind, app_id=run.app_id)
    except Exception:
        logger.warning("Run %s: usual duration unreadable; first poll after the minimum", run.pk)
        return FIRST_POLL_AFTER


def outcome_write(write: Callable[[], object], *, what: str) -> None:
    """Write what A1 answered to a call that spends, through a database that may be away.

    An answer lost to a dropped connection (a restart, a failover as the answer came)
    would leave a task A1 made and bills, named by no run. So the write is tried again,
    on a fresh connection, for OUTCOME_WRITE_SECONDS; only then does the error go on
    (the run then stays "submitting", and is settled as "unknown": never sent again),
    with the answer in the log for the operator. Inside a transaction the connection
    cannot be renewed: the error goes on at once."""
    deadline, delay = time.monotonic() + OUTCOME_WRITE_SECONDS, 0.5
    while True:
        try:
            write()
            return
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() > deadline:
                logger.error("The database is away: %s was not written", what)
                raise
            logger.warning("The database is away: %s is written again in %.1f s", what, delay)
            connection.close()  # the next try opens a fresh connection
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
