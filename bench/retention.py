"""The retention job over 100,000 runs: how long it takes and how long it holds a lock.

Seeds a history as an install that has run for months and then switches retention on
would have it (every run ended 40 days ago, each with its photo, result and thumbnail
as real files in storage; a tenth favourites, a twentieth in the trash for 31 days),
then runs the daily job as the worker would, while another thread writes a row every
50 ms the way a web request does and times each write. A second run on the same data
(nothing left to remove) is the steady-state cost of a day.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

RUNS = 100_000
CHUNK = 5_000


def seed(runs: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from generator.models import InputImage, Membership, ResultImage, Run, Team

    User = get_user_model()
    team = Team.objects.create(name="Retention bench")
    users = [User.objects.create_user(f"keeper{n:02d}", password=None) for n in range(20)]
    for user in users:
        Membership.objects.create(team=team, user=user)
    ended = timezone.now() - timedelta(days=40)
    blob = b"\xff\xd8" + b"x" * 2048  # the files' bytes do not matter to removal
    started = time.monotonic()
    for start in range(0, runs, CHUNK):
        batch = []
        for n in range(start, min(start + CHUNK, runs)):
            batch.append(
                Run(
                    user=users[n % len(users)], team=team, visibility="team",
                    app_id="1838546335502970881", app_name="Watercolor portrait",
                    idempotency_key=uuid.uuid4(), task_id=str(10**18 + n), state="completed",
                    generate_num=1, points_quoted=1, points_spent=1, favourite=n % 10 == 0,
                    deleted_at=ended + timedelta(days=9) if n % 20 == 1 else None,
                    created=ended - timedelta(seconds=30 + n), finished_at=ended - timedelta(seconds=n),
                )
            )  # fmt: skip
        Run.objects.bulk_create(batch)
        photos, results = [], []
        for run in batch:
            photo = InputImage(
                owner_id=run.user_id,
                given_by_id=run.user_id,
                run=run,
                form_id="1",
                position=0,
            )
            photo.file.name = default_storage.save(
                f"inputs/bench/{photo.id}.jpg", ContentFile(blob)
            )
            photos.append(photo)
            result = ResultImage(run=run, index=0, upstream_url="http://sandbox/r.jpg")
            result.file.name = default_storage.save(
                f"results/bench/{result.id}.jpg", ContentFile(blob)
            )
            result.thumbnail.name = default_storage.save(
                f"results/bench/{result.id}.thumb.webp", ContentFile(blob[:256])
            )
            results.append(result)
        InputImage.objects.bulk_create(photos)
        ResultImage.objects.bulk_create(results)
    return {
        "runs": runs,
        "files": runs * 3,
        "favourites": Run.objects.filter(favourite=True).count(),
        "in_trash": Run.objects.filter(deleted_at__isnull=False).count(),
        "seed_seconds": time.monotonic() - started,
    }


class WriteProbe(threading.Thread):
    """A web request's write every 50 ms, timed: how long the job makes others wait."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.waits: list[float] = []

    def run(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from generator.models import WorkerHeartbeat

        try:
            while not self.stop.is_set():
                began = time.monotonic()
                WorkerHeartbeat.objects.update_or_create(
                    worker="bench-probe", defaults={"seen_at": timezone.now()}
                )
                self.waits.append(time.monotonic() - began)
                self.stop.wait(0.05)
        finally:
            connection.close()


def sweep(batch: int) -> dict:
    from django.conf import settings
    from django.core.files.storage import default_storage

    from generator.files.audit import stored_names
    from lifecycle.retention import retention_sweep

    settings.RETAIN_INPUT_DAYS = settings.RETAIN_RESULT_DAYS = 30
    settings.TRASH_DAYS = 30
    probe = WriteProbe()
    probe.start()
    started = time.monotonic()
    log = retention_sweep(batch=batch)
    seconds = time.monotonic() - started
    probe.stop.set()
    probe.join()
    waits = sorted(probe.waits)
    return {
        "seconds": seconds,
        "counts": dict(log.counts),
        "longest_transaction_ms": log.longest_batch_ms,
        "probe_writes": len(waits),
        "probe_max_ms": waits[-1] * 1000 if waits else 0,
        "probe_p99_ms": waits[int(len(waits) * 0.99) - 1] * 1000 if waits else 0,
        "files_left": sum(1 for _ in stored_names(default_storage)),
    }


def scenario_retention(runs: int = RUNS, batch: int = 500) -> dict:
    from django.db import connection

    seeded = seed(runs)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have, long before the job runs
    first = sweep(batch)
    steady = sweep(batch)
    return {"batch": batch, **seeded, "first_day": first, "steady_day": steady}


def section(results: dict, database: str) -> str:
    r = results
    first, steady = r["first_day"], r["steady_day"]
    rows = [
        ("measure", "first day (everything due)", "next day (nothing due)"),
        ("time taken", f"{first['seconds']:.1f} s", f"{steady['seconds']:.2f} s"),
        (
            "longest transaction (lock held)",
            f"{first['longest_transaction_ms']} ms",
            f"{steady['longest_transaction_ms']} ms",
        ),
        (
            "a concurrent write: longest / p99 wait",
            f"{first['probe_max_ms']:.0f} / {first['probe_p99_ms']:.0f} ms",
            f"{steady['probe_max_ms']:.0f} / {steady['probe_p99_ms']:.0f} ms",
        ),
        ("files left in storage", f"{first['files_left']:,}", f"{steady['files_left']:,}"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    table = "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    )
    locks = (
        "On SQLite every write transaction holds the database's single write lock, so the\n"
        "longest transaction is the longest a web request's write can wait for the job."
        if database == "sqlite"
        else "On PostgreSQL the job locks only the rows it removes or marks (SKIP LOCKED), so\n"
        "other writes wait for CPU, not for the job's locks."
    )
    order = ["photos", "results", "runs", "files"]
    kinds = sorted(first["counts"], key=lambda k: order.index(k) if k in order else len(order))
    counts = ", ".join(f"{first['counts'][kind]:,} {kind}" for kind in kinds)
    return f"""{heading(database)}

`python bench/run.py --only retention` ({database}; `BENCH_DATABASE_URL` picks the
database). {r["runs"]:,} runs, each with a photo, a result and its thumbnail as real
files ({r["files"]:,} files), all ended 40 days before; {r["favourites"]:,} favourites,
{r["in_trash"]:,} in the trash for 31 days. Retention 30 days for photos and results, trash
30 days, batches of {r["batch"]}. The job runs in-process as the worker runs it; a second
thread writes one row every 50 ms, as a web request would, and times each write. The
same two cores as above, shared with other work while this was measured.

```
{table}
```

Removed on the first day: {counts}.
Left: the favourites' result images (two files each) and the details of every run not
purged from the trash.

{locks}

Each batch is read outside any transaction; only a batch with something to remove opens
one, which deletes its rows, records the points of removed runs and queues their files.
The files are deleted after it commits, so storage latency (S3) never lengthens a lock,
and the next day, with nothing due, reads past every run without taking a write lock.
"""


def heading(database: str) -> str:
    return f"## Retention job over 100,000 runs ({database})"


def update_docs(path, text: str, database: str) -> None:
    """Put the section in docs/performance.md, replacing the earlier one for the same
    database and keeping everything else."""
    replace_section(path, heading(database), text)


def replace_section(path, title: str, text: str) -> None:
    """`text` (which starts with `title`) in place of the section headed `title`, or at
    the end; the rest of the file stays as it is."""
    doc = path.read_text() if path.exists() else "# Performance\n"
    if title in doc:
        before, _, rest = doc.partition(title)
        following = rest.find("\n## ")
        after = rest[following + 1 :] if following >= 0 else ""
        doc = before + text + ("\n" + after if after else "")
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    path.write_text(doc)
