"""The workers' heartbeats, moved here from the generator app: their tables stay where
they are (db_table), so this changes only what Django knows, never the database."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("generator", "0018_photo_givers"),
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
    ]
