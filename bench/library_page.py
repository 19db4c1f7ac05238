"""The library page with 500 apps: server time of one request, and its queries.

    .venv/bin/python bench/library_page.py [--apps 500] [--requests 30]

Runs in-process (Django's test client, DEBUG off) on a fresh SQLite file, or on
DATABASE_URL when it is set (use a database of your own: it is migrated and filled).
One team library holds the apps, each with a cached definition, tags, a note and
presets; the team has shared runs with results so the cards show examples. Times are
the whole request inside Django (middleware, view, queries, template), no network.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(workdir: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "a1site.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "MEDIA_ROOT": str(workdir / "media"),
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `make prod` does


def seed(apps: int):
    from django.contrib.auth import get_user_model

    from a1.types import App
    from generator.models import AppDefinition, Membership, ResultImage, Run, Team
    from library.models import LibraryApp, LibraryEntry, Preset

    user = get_user_model().objects.create_user(f"lead-{uuid.uuid4().hex[:6]}")
    team = Team.objects.create(name=f"Bench {uuid.uuid4().hex[:6]}")
    Membership.objects.create(team=team, user=user, role="manager")
    base = 3838546335502970000 + LibraryApp.objects.count()
    definition = App(id="0", version_id="1", name="x", cover="https://a1.art/cover.jpg").to_json()
    rows = LibraryApp.objects.bulk_create(
        LibraryApp(
            app_id=str(base + n),
            language="en_US",
            name=f"Bench app {n:03d}",
            cover="https://a1.art/cover.jpg",
            version_id="1",
            takes_photos=n % 2 == 0,
            kind="node" if n % 7 == 0 else "form",
            cost=3 if n % 7 == 0 else 1,
        )
        for n in range(apps)
    )
    AppDefinition.objects.bulk_create(
        AppDefinition(
            app_id=row.app_id,
            version_id="1",
            language=language,
            name=f"{row.name} ({language})",
            definition=definition | {"id": row.app_id},
        )
        for row in rows
        for language in ("en_US", "zh_CN")
    )
    LibraryEntry.objects.bulk_create(
        LibraryEntry(
            app=row,
            team=team,
            tags=["bench", f"group{n % 10}"],
            note="3:4 for staff avatars",
            search_text=f"bench group{n % 10} 3:4 for staff avatars",
            position=n + 1 if n < 10 else None,
        )
        for n, row in enumerate(rows)
    )
    Preset.objects.bulk_create(
        Preset(app_id=row.app_id, name="Avatars", owner=user, team=team, version_id="1")
        for row in rows
    )
    # Five shared runs with a result each for the first 60 apps: examples on every card
    # of the first page, and use counts for the sorts.
    runs = Run.objects.bulk_create(
        Run(
            user=user,
            team=team,
            visibility="team",
            app_id=row.app_id,
            idempotency_key=uuid.uuid4(),
            state="completed",
        )
        for row in rows[:60]
        for _ in range(5)
    )
    ResultImage.objects.bulk_create(
        ResultImage(run=run, index=0, upstream_url="https://a1.art/r.jpg", thumbnail="t.webp")
        for run in runs
    )
    return user, team


def measure(user, team, requests: int, **params) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    query = {"library": team.pk, **params}
    response = client.get("/apps/", query)
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/apps/", query)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get("/apps/", query)
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": sorted(times)[int(0.95 * (len(times) - 1))],
        "queries": len(captured),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        setup(Path(workdir))
        from django.db import connection

        small_user, small_team = seed(5)
        user, team = seed(args.apps)
        print(f"database {connection.vendor}; {args.apps} apps in one library, 48 cards a page")
        rows = [
            ("5 apps, default view", measure(small_user, small_team, args.requests)),
            (f"{args.apps} apps, default view", measure(user, team, args.requests)),
            (f"{args.apps} apps, most used", measure(user, team, args.requests, sort="most_used")),
            (f"{args.apps} apps, search 'group3'", measure(user, team, args.requests, q="group3")),
        ]
        print(f"{'case':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'KB':>6}")
        for label, r in rows:
            print(
                f"{label:34} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['queries']:8d}"
                f" {r['bytes'] / 1024:6.0f}"
            )


if __name__ == "__main__":
    main()
