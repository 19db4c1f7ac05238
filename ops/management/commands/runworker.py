"""The task worker: django-tasks-db's db_worker plus a sweeper for lost poll jobs and a
heartbeat.

The sweeper runs at start (so a restarted worker picks up every in-flight
run) and then every WORKER_SWEEP_SECONDS; it also notes whether A1 answers, which
/healthz reads. The heartbeat beats four times a poll interval (generator/runs/workers.py)
on a thread that does nothing else; another thread, at the same cadence, takes over what
a worker that stopped beating held: its runs are polled again within two poll intervals,
not after the lease.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from generator.batches.pacing import (
    batches_settle,
    batches_take_over,
    items_release_held,
    items_sending_here,
    sends_stop,
)
from generator.runs.copying import copies_stop, runs_copying_here
from generator.runs.tracking import resume_due, runs_release_held, runs_take_over
from generator.runs.upstream import a1_client
from generator.runs.workers import (
    beat_seconds,
    worker_beat,
    worker_register,
    worker_stop,
    workers_forget,
)
from ops.chores import chores_enqueue_due
from ops.metrics import worker_metrics_serve

logger = logging.getLogger("generator.worker")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def sweep_once() -> int:
    resumed = resume_due()
    chores_enqueue_due()
    batches_settle()
    worker_beat(name=WORKER_NAME, upstream_ok=a1_client().reachable())
    workers_forget()
    if resumed:
        logger.info("Resumed %d in-flight run(s)", resumed)
    return resumed


def beat_once() -> None:
    """This worker is alive. Nothing else on this thread: a slow step (a takeover under
    load) must never make a live worker's beat late enough to be judged dead."""
    worker_beat(name=WORKER_NAME)


def take_over_once() -> int:
    """What dead workers held is taken over, at the beat's cadence, on a thread of its
    own (see beat_once). Returns runs taken over."""
    taken = runs_take_over()
    batches_take_over()
    return taken


def recover_once() -> None:
    """The database is back after an outage this worker lived through: what its broken
    job held is given up and looked up now (not after its leases), and every run whose
    poll chain broke meanwhile is polled again now (not after WORKER_RESUME_GRACE).
    Raises while the database is still away."""
    close_old_connections()
    worker_beat(name=WORKER_NAME)
    items = items_release_held()
    # The send and copy threads carried on through the outage: what they hold is theirs.
    runs = runs_release_held(
        worker=WORKER_NAME, sending_items=items_sending_here(), copying=runs_copying_here()
    )
    resumed = resume_due(grace=timedelta(0))
    logger.info(
        "The database is back: %d item(s) looked up, %d run(s) released, %d poll(s) queued",
        items,
        runs,
        resumed,
    )


def _forever(stop: threading.Event, step, seconds) -> None:
    while not stop.is_set():
        try:
            step()
        except Exception:
            # It must outlive a passing database error; the next round retries.
            logger.exception("%s failed", step.__name__)
        finally:
            close_old_connections()
        stop.wait(seconds())
    connections.close_all()  # this thread's own connection, kept open between rounds


class Command(DbWorkerCommand):
    help = "Run the task worker, resuming every in-flight run at start."

    def handle(self, *args, reload: bool = False, **options):
        in_reloader_parent = reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        stop = threading.Event()
        # The beat goes last: while it beats, nobody takes over what this worker holds,
        # so it beats on until the sends and copies under way have ended.
        beat_stop = threading.Event()
        worker = not in_reloader_parent and not options.get("batch")
        if worker:
            if settings.WORKER_METRICS_BIND:
                worker_metrics_serve(bind=settings.WORKER_METRICS_BIND)
            worker_register(name=WORKER_NAME)  # the leases it takes carry its name
            with contextlib.suppress(DatabaseError):  # else its heartbeat thread beats soon
                worker_beat(name=WORKER_NAME)  # alive before it takes any
            for step, seconds, until in (
                (sweep_once, lambda: settings.WORKER_SWEEP_SECONDS, stop),
                (beat_once, beat_seconds, beat_stop),
                (take_over_once, beat_seconds, stop),
            ):
                threading.Thread(target=_forever, args=(until, step, seconds), daemon=True).start()
            time.sleep(0)  # let the first sweep start before tasks are taken
        try:
            if worker:
                self._work_through_outages(*args, reload=reload, **options)
            else:
                super().handle(*args, reload=reload, **options)
        finally:
            stop.set()
            if worker:
                # Sends and copies in progress end and queued ones are cancelled before the
                # heartbeat goes: while it beats, nobody takes over what this worker holds.
                sends_stop()
                copies_stop()
                beat_stop.set()
                with contextlib.suppress(DatabaseError):  # the database may be the reason
                    worker_stop(name=WORKER_NAME)

    def _work_through_outages(self, *args, **options) -> None:
        """django-tasks-db's loop, taken up again when the database goes away under it
        (a restart, a failover): the worker waits and carries on rather than exiting,
        as its heartbeat and sweep threads already do. A stop signal still ends it."""
        delay, last_outage, away = OUTAGE_FIRST_WAIT, 0.0, False
        while True:
            try:
                if away:
                    recover_once()
                    away = False
                super().handle(*args, **options)
                return
            except (OperationalError, InterfaceError) as exc:
                now = time.monotonic()
                if now - last_outage > OUTAGE_RESET:  # a new outage starts short again
                    delay = OUTAGE_FIRST_WAIT
                last_outage, away = now, True
                logger.warning(
                    "The database is away (%s); the worker tries again in %.0f s",
                    type(exc).__name__,
                    delay,
                )
                with contextlib.suppress(DatabaseError):
                    close_old_connections()
                time.sleep(delay)
                delay = min(delay * 2, OUTAGE_LONGEST_WAIT)


# Waits between tries while the database is away: 1 s, then every 2 s (a refused
# connection costs nothing; a longer wait is time the portal stands still after the
# database is back); an outage a minute after the last one starts at 1 s again.
OUTAGE_FIRST_WAIT, OUTAGE_LONGEST_WAIT, OUTAGE_RESET = 1.0, 2.0, 60.0
