"""The points ledger: who pays is written once, in entries only ever added.

Existing data is carried over so that every month's totals read the same before and
after: each run gets its hold (billed to the team it was counted against until now, its
`team`), and its release and spend once it ended; batch items still holding points get
their holds; the spending of removed runs (`Spending`) becomes spend entries with no run.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Min
from django.utils import timezone


def fill_ledger(apps, schema_editor):
    Entry = apps.get_model("generator", "LedgerEntry")
    Generation = apps.get_model("generator", "Generation")
    BatchItem = apps.get_model("generator", "BatchItem")
    Spending = apps.get_model("generator", "Spending")
    entries = []
    runs = Generation.objects.values_list(
        "pk",
        "user_id",
        "team_id",
        "api_key_id",
        "created",
        "app_id",
        "app_name",
        "points_quoted",
        "points_spent",
        "state",
    )
    for pk, user, team, key, created, app_id, app_name, quoted, spent, state in runs.iterator():
        common = {
            "day": timezone.localdate(created),
            "user_id": user,
            "team_id": team,
            "api_key_id": key,
            "run_id": pk,
            "app_id": app_id,
            "app_name": app_name[:300],
        }
        entries.append(Entry(kind="hold", points=quoted, **common))
        if state == "failed":  # A1 gave the points back: released, nothing spent
            entries.append(Entry(kind="release", points=-quoted, **common))
        elif spent is not None:
            entries.append(Entry(kind="release", points=-quoted, **common))
            entries.append(Entry(kind="spend", points=spent, **common))
    items = BatchItem.objects.filter(state__in=["waiting", "sending"]).values_list(
        "pk",
        "points",
        "batch__user_id",
        "batch__team_id",
        "batch__api_key_id",
        "batch__started_at",
        "batch__created",
        "batch__app_id",
        "batch__app_name",
    )
    for pk, points, user, team, key, started, created, app_id, app_name in items.iterator():
        entries.append(
            Entry(
                kind="hold",
                points=points,
                day=timezone.localdate(started or created),
                user_id=user,
                team_id=team,
                api_key_id=key,
                item_id=pk,
                app_id=app_id,
                app_name=app_name[:300],
            )
        )
    for row in Spending.objects.iterator():
        entries.append(
            Entry(
                kind="spend",
                points=row.points,
                day=row.day,
                user_id=row.user_id,
                team_id=row.team_id,
                app_id=row.app_id,
                app_name=row.app_name,
            )
        )
    Entry.objects.bulk_create(entries, batch_size=500)


def empty_ledger(apps, schema_editor):
    """Back to per-run sums: the spending of runs that no longer exist returns to
    `Spending`, one row per (person, team, day, app), as before."""
    Entry = apps.get_model("generator", "LedgerEntry")
    Spending = apps.get_model("generator", "Spending")
    gone = Entry.objects.filter(run__isnull=True, item__isnull=True, kind="spend")
    for row in gone.values("user_id", "team_id", "day", "app_id", "app_name").annotate(
        first=Min("pk")
    ):
        points = sum(
            gone.filter(
                user_id=row["user_id"], team_id=row["team_id"], day=row["day"], app_id=row["app_id"]
            ).values_list("points", flat=True)
        )
        Spending.objects.create(
            user_id=row["user_id"],
            team_id=row["team_id"],
            day=row["day"],
            app_id=row["app_id"],
            app_name=row["app_name"],
            points=points,
        )
    Entry.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0016_galleries_at_any_size"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("hold", "Held"), ("release", "Released"), ("spend", "Spent")],
                        max_length=8,
                    ),
                ),
                (
                    "points",
                    models.IntegerField(help_text="Held or spent: positive; released: negative"),
                ),
                (
                    "day",
                    models.DateField(
                        help_text="The day the points count on: when the hold was made"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("app_id", models.CharField(blank=True, max_length=32)),
                ("app_name", models.CharField(blank=True, max_length=300)),
            ],
            options={
                "verbose_name": "ledger entry",
                "verbose_name_plural": "ledger",
                "ordering": ["pk"],
            },
        ),
        migrations.AlterField(
            model_name="batch",
            name="pause",
            field=models.CharField(
                blank=True,
                choices=[
                    ("owner", "Paused by its owner."),
                    ("balance", "Paused: the A1 account is out of points. Staff have been told."),
                    (
                        "app_updated",
                        "Paused: the app's author changed it. Check the batch and resume.",
                    ),
                    (
                        "app_not_allowed",
                        "Paused: staff no longer allow this app. Resume once they allow it again.",
                    ),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="api_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="generator.apikey",
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="item",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="ledger",
                to="generator.batchitem",
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="ledger",
                to="generator.generation",
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="generator.team",
            ),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["user", "day"], name="ledger_by_user"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["team", "day"], name="ledger_by_team"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["api_key", "day"], name="ledger_by_key"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["day"], name="ledger_by_day"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["run", "kind"], name="ledger_by_run"),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(fields=["item", "kind"], name="ledger_by_item"),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("run__isnull", False)),
                fields=("run", "kind"),
                name="one_entry_per_run",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("run__isnull", True), ("item__isnull", True), _connector="OR"),
                name="entry_for_run_or_item",
            ),
        ),
        migrations.RunPython(fill_ledger, empty_ledger),
        migrations.RemoveIndex(
            model_name="spending",
            name="spending_by_day",
        ),
        migrations.RemoveIndex(
            model_name="spending",
            name="spending_by_team",
        ),
        migrations.RemoveField(
            model_name="spending",
            name="team",
        ),
        migrations.RemoveField(
            model_name="spending",
            name="user",
        ),
        migrations.DeleteModel(
            name="Spending",
        ),
    ]
