"""The task worker: django-tasks-db's db_worker plus a sweeper for lost poll jobs.

The sweeper runs at start (so a restarted worker picks up every in-flight
run) and then every WORKER_SWEEP_SECONDS; it also writes the heartbeat that
/healthz reads.
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from generator.batches.pacing import batches_settle
from generator.runs.tracking import resume_due
from generator.runs.upstream import a1_client
from ops.chores import chores_enqueue_due
from ops.metrics import worker_metrics_serve
from ops.models import WorkerHeartbeat

logger = logging.getLogger("generator.worker")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def sweep_once() -> int:
    resumed = resume_due()
    chores_enqueue_due()
    batches_settle()
    WorkerHeartbeat.objects.update_or_create(
        worker=WORKER_NAME,
        defaults={"seen_at": timezone.now(), "upstream_ok": a1_client().reachable()},
    )
    if resumed:
        logger.info("Resumed %d in-flight run(s)", resumed)
    return resumed


def _sweep_forever(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            sweep_once()
        except Exception:
            # The sweeper must outlive a passing database error; the next sweep retries.
            logger.exception("Sweep failed")
        finally:
            close_old_connections()
        stop.wait(settings.WORKER_SWEEP_SECONDS)


class Command(DbWorkerCommand):
    help = "Run the task worker, resuming every in-flight run at start."

    def handle(self, *args, reload: bool = False, **options):
        in_reloader_parent = reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        stop = threading.Event()
        if not in_reloader_parent and not options.get("batch"):
            if settings.WORKER_METRICS_BIND:
                worker_metrics_serve(bind=settings.WORKER_METRICS_BIND)
            threading.Thread(target=_sweep_forever, args=(stop,), daemon=True).start()
            time.sleep(0)  # let the first sweep start before tasks are taken
        try:
            super().handle(*args, reload=reload, **options)
        finally:
            stop.set()
