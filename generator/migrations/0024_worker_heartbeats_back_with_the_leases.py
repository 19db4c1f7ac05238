"""The workers' heartbeats come back from ops to the runs, whose leases now trust them (a
lease names its worker; a worker that stopped beating holds nothing). The table stays
where it always was (db_table): only Django's state moves, and the content type with it."""

import django.utils.timezone
from django.db import migrations, models


def _move_content_type(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    moving = ContentType.objects.filter(app_label=source, model="workerheartbeat")
    if ContentType.objects.filter(app_label=target, model="workerheartbeat").exists():
        moving.delete()  # made afresh meanwhile: the old one points at nothing
    else:
        moving.update(app_label=target)


def content_type_follows(apps, schema_editor):
    _move_content_type(apps, "ops", "generator")


def content_type_returns(apps, schema_editor):
    _move_content_type(apps, "generator", "ops")


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0023_app_cost_staff_can_correct"),
        ("ops", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerHeartbeat",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("worker", models.CharField(max_length=100, unique=True)),
                        ("seen_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("upstream_ok", models.BooleanField(default=False)),
                    ],
                    options={
                        "db_table": "generator_workerheartbeat",
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
        migrations.AddField(
            model_name="run",
            name="claimed_by",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddIndex(
            model_name="run",
            index=models.Index(
                condition=models.Q(("claimed_until__isnull", False)),
                fields=["claimed_until"],
                name="runs_leased",
            ),
        ),
        migrations.AddField(
            model_name="batchitem",
            name="claimed_by",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
    ]
