"""The data lifecycle's models, moved here from the generator app: their tables stay
where they are (db_table), so this changes only what Django knows, never the database."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import lifecycle.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("generator", "0018_photo_givers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RemovalLog",
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
                        (
                            "job",
                            models.CharField(
                                choices=[
                                    ("retention", "Daily retention"),
                                    ("erasure", "Account erased"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "finished_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="Empty if it stopped before the end",
                                null=True,
                            ),
                        ),
                        ("counts", models.JSONField(blank=True, default=dict)),
                        (
                            "longest_batch_ms",
                            models.PositiveIntegerField(
                                default=0,
                                help_text="The longest transaction of the run, in milliseconds",
                            ),
                        ),
                        (
                            "by_staff",
                            models.ForeignKey(
                                blank=True,
                                help_text="The staff member who erased an account (empty: the person themselves)",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "removal log entry",
                        "verbose_name_plural": "removal log",
                        "db_table": "generator_removallog",
                        "ordering": ["-started_at"],
                    },
                ),
                migrations.CreateModel(
                    name="DataExport",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Waiting"),
                                    ("building", "Being prepared"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=10,
                            ),
                        ),
                        ("language", models.CharField(default="en", max_length=8)),
                        (
                            "file",
                            models.FileField(
                                blank=True, max_length=300, upload_to=lifecycle.models.export_path
                            ),
                        ),
                        ("byte_size", models.PositiveBigIntegerField(default=0)),
                        ("runs", models.PositiveIntegerField(default=0)),
                        ("created", models.DateTimeField(default=django.utils.timezone.now)),
                        ("ready_at", models.DateTimeField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("downloaded_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="data_exports",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "data export",
                        "db_table": "generator_dataexport",
                        "ordering": ["-created"],
                        "indexes": [
                            models.Index(fields=["state", "created"], name="exports_by_state")
                        ],
                    },
                ),
            ],
        ),
    ]
