"""The app library's models, moved here from the generator app: their tables stay
where they are (db_table), so this changes only what Django knows, never the database."""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


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
                    name="LibraryApp",
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
                        ("app_id", models.CharField(max_length=32, unique=True)),
                        (
                            "language",
                            models.CharField(
                                help_text="The language the watch reads it in", max_length=8
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=300)),
                        ("cover", models.URLField(blank=True, max_length=1000)),
                        (
                            "kind",
                            models.CharField(
                                choices=[("form", "Form app"), ("node", "Node app")],
                                default="form",
                                max_length=8,
                            ),
                        ),
                        (
                            "cost",
                            models.PositiveSmallIntegerField(
                                default=1, help_text="Points for one run of one image"
                            ),
                        ),
                        ("takes_photos", models.BooleanField(default=False)),
                        ("version_id", models.CharField(max_length=32)),
                        (
                            "version_seen_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                help_text="When the library first saw this version",
                            ),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When the watch found a newer version",
                                null=True,
                            ),
                        ),
                        (
                            "changes",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="Form fields added, removed or changed then",
                            ),
                        ),
                        ("checked_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                        (
                            "unavailable_code",
                            models.IntegerField(
                                blank=True,
                                help_text="A1's code when it stopped serving the app",
                                null=True,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "library app",
                        "db_table": "generator_libraryapp",
                    },
                ),
                migrations.CreateModel(
                    name="LibraryEntry",
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
                            "title",
                            models.CharField(
                                blank=True, max_length=100, verbose_name="display name"
                            ),
                        ),
                        ("tags", models.JSONField(blank=True, default=list, verbose_name="tags")),
                        ("note", models.CharField(blank=True, max_length=500, verbose_name="note")),
                        (
                            "position",
                            models.PositiveIntegerField(
                                blank=True, help_text="Pinned order (empty: not pinned)", null=True
                            ),
                        ),
                        (
                            "search_text",
                            models.TextField(blank=True, help_text="Display name, tags and note"),
                        ),
                        ("added", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "added_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "app",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="entries",
                                to="library.libraryapp",
                            ),
                        ),
                        (
                            "owner",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="library",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="library",
                                to="generator.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "library entry",
                        "verbose_name_plural": "library entries",
                        "db_table": "generator_libraryentry",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("owner__isnull", True), ("team__isnull", False)),
                                    models.Q(("owner__isnull", False), ("team__isnull", True)),
                                    _connector="OR",
                                ),
                                name="library_entry_for_team_or_owner",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("team__isnull", False)),
                                fields=("team", "app"),
                                name="one_entry_per_team",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("owner__isnull", False)),
                                fields=("owner", "app"),
                                name="one_entry_per_owner",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Preset",
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
                        ("app_id", models.CharField(db_index=True, max_length=32)),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        (
                            "choices",
                            models.JSONField(
                                default=dict, help_text="The filled form, without photos"
                            ),
                        ),
                        (
                            "version_id",
                            models.CharField(
                                help_text="The app version the choices were checked against",
                                max_length=32,
                            ),
                        ),
                        (
                            "problems",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text="Why it needs a look: [{field, label, problem}]; empty when fine",
                            ),
                        ),
                        ("created", models.DateTimeField(default=django.utils.timezone.now)),
                        ("updated", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "owner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="presets",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "team",
                            models.ForeignKey(
                                blank=True,
                                help_text="Shared with this team; empty: only its owner uses it",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="presets",
                                to="generator.team",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "preset",
                        "db_table": "generator_preset",
                        "ordering": ["name"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("team__isnull", False)),
                                fields=("team", "app_id", "name"),
                                name="one_team_preset_name",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("team__isnull", True)),
                                fields=("owner", "app_id", "name"),
                                name="one_personal_preset_name",
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
