"""A database migrated by the last release (generator 0016) upgrades cleanly to this one.

The models that moved to their own apps (the app library, the data lifecycle, the
workers' rows) keep their tables: the moves change only what Django knows, so their
migrations emit no SQL at all on either database, the rows written before are read
through the new models, and their content types (with permissions and admin history)
follow them. The points of every month read the same before and after the ledger.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

LAST_RELEASE = [
    ("generator", "0016_galleries_at_any_size"),
    ("library", None),
    ("lifecycle", None),
    ("ops", None),
    ("accounts", None),
]
CONTENT_TYPES = ("contenttypes", "0002_remove_content_type_name")
STATE_ONLY = [
    ("library", "0001_initial"),
    ("lifecycle", "0001_initial"),
    ("ops", "0001_initial"),
    ("generator", "0019_models_move_to_their_apps"),
    ("generator", "0020_one_word_for_a_run"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    nodes = [t for t in targets if t[1] is not None]
    return executor.loader.project_state([*nodes, CONTENT_TYPES]).apps


def newest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_moves_emit_no_sql(capsys):
    for app, name in STATE_ONLY:
        call_command("sqlmigrate", app, name)
        sql = capsys.readouterr().out
        statements = [
            line
            for line in sql.splitlines()
            if line.strip() and not line.startswith("--") and line not in ("BEGIN;", "COMMIT;")
        ]
        assert statements == [], f"{app} {name} would run: {statements}"


class UpgradeTests(TransactionTestCase):
    def tearDown(self):
        migrate(newest())
        super().tearDown()

    def test_a_database_of_the_last_release_upgrades_with_its_rows_and_points(self):
        old = migrate(LAST_RELEASE)
        User = old.get_model("auth", "User")
        Team = old.get_model("generator", "Team")
        Run = old.get_model("generator", "Generation")
        LibraryApp = old.get_model("generator", "LibraryApp")
        Chore = old.get_model("generator", "Chore")
        Spending = old.get_model("generator", "Spending")
        ContentType = old.get_model("contenttypes", "ContentType")
        ContentType.objects.get_or_create(app_label="generator", model="libraryapp")
        ContentType.objects.get_or_create(app_label="generator", model="generation")
        owner = User.objects.create(username="owner")
        team = Team.objects.create(name="Studio")
        now = timezone.now()
        common = {"user": owner, "team": team, "app_id": "1", "app_name": "Watercolor"}
        Run.objects.create(
            idempotency_key="00000000-0000-0000-0000-000000000001",
            state="completed",
            points_quoted=2,
            points_spent=2,
            **common,
        )
        Run.objects.create(
            idempotency_key="00000000-0000-0000-0000-000000000002",
            state="running",
            points_quoted=3,
            **common,
        )
        Run.objects.create(
            idempotency_key="00000000-0000-0000-0000-000000000003",
            state="failed",
            points_quoted=4,
            points_spent=0,
            **common,
        )
        Spending.objects.create(user=owner, team=team, day=now.date(), points=5, runs=1)
        LibraryApp.objects.create(app_id="1", name="Watercolor", version_id="1")
        Chore.objects.create(name="retention", next_run=now + timedelta(hours=1))
        queued = DBTaskResult.objects.create(
            task_path="generator.tasks.poll_generation",
            args_kwargs={"args": ["x"], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            priority=0,
            run_after=now,
        )

        migrate(newest())

        # Today's models, read once the database is at today's schema again.
        from generator.models import ApiKey, LedgerEntry
        from generator.models import Team as NewTeam
        from generator.money.ledger import points_used
        from generator.runs.tracking import poll_run
        from generator.schedules.models import Chore as MovedChore
        from library.models import LibraryApp as Moved

        assert Moved.objects.get().name == "Watercolor"
        assert MovedChore.objects.get().name == "retention"
        assert ContentType_of("libraryapp") == "library"
        assert ContentType_of("run") == "generator"
        # 2 spent + 3 held + 0 for the failed run + 5 spent by runs removed earlier.
        team = NewTeam.objects.get()
        assert points_used(team=team) == 10
        assert LedgerEntry.objects.filter(kind="spend").count() == 2
        assert not ApiKey.objects.exists()
        # A job queued by the last release finds its task at its new path.
        path = DBTaskResult.objects.get(pk=queued.pk).task_path
        assert path == "generator.runs.tracking.poll_run"
        assert import_string(path) is poll_run


def ContentType_of(model: str) -> str:
    # Read after the upgrade, with the cache of content types emptied.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    return ContentType.objects.get(model=model).app_label
