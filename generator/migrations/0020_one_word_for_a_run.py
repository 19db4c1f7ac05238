"""One word per concept: a "generation" is a "run" in code, as it already was on pages
and in the API. The table and its columns keep their names (db_table, db_column), so
this changes only what Django knows, never the database; the content type is renamed,
so permissions and the admin's history follow."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="generator", model="generation").update(model="run")


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="generator", model="run").update(model="generation")


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0019_models_move_to_their_apps"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterModelTable(name="generation", table="generator_generation"),
                migrations.RenameModel(old_name="Generation", new_name="Run"),
                migrations.RenameField(
                    model_name="inputimage", old_name="generation", new_name="run"
                ),
                migrations.RenameField(
                    model_name="resultimage", old_name="generation", new_name="run"
                ),
                migrations.RenameField(
                    model_name="batchitem", old_name="generation", new_name="run"
                ),
                migrations.RenameField(
                    model_name="webhookdelivery", old_name="generation", new_name="run"
                ),
                # What else the rename changes in Django's view (the same columns,
                # indexes and constraints, now naming `run`).
                migrations.AlterModelOptions(
                    name="resultimage",
                    options={"ordering": ["run", "index"]},
                ),
                migrations.AlterModelOptions(
                    name="run",
                    options={"ordering": ["-created"], "verbose_name": "run"},
                ),
                migrations.RemoveConstraint(
                    model_name="resultimage",
                    name="one_result_per_index",
                ),
                migrations.RemoveConstraint(
                    model_name="webhookdelivery",
                    name="one_delivery_per_run_event",
                ),
                migrations.RemoveIndex(
                    model_name="inputimage",
                    name="staged_photos",
                ),
                migrations.AlterField(
                    model_name="batchitem",
                    name="run",
                    field=models.OneToOneField(
                        blank=True,
                        db_column="generation_id",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="batch_item",
                        to="generator.run",
                    ),
                ),
                migrations.AlterField(
                    model_name="inputimage",
                    name="run",
                    field=models.ForeignKey(
                        blank=True,
                        db_column="generation_id",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="inputs",
                        to="generator.run",
                    ),
                ),
                migrations.AlterField(
                    model_name="resultimage",
                    name="run",
                    field=models.ForeignKey(
                        db_column="generation_id",
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="results",
                        to="generator.run",
                    ),
                ),
                migrations.AlterField(
                    model_name="run",
                    name="api_key",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.RESTRICT,
                        related_name="runs",
                        to="generator.apikey",
                    ),
                ),
                migrations.AlterField(
                    model_name="run",
                    name="batch",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="runs",
                        to="generator.batch",
                    ),
                ),
                migrations.AlterField(
                    model_name="run",
                    name="user",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="runs",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="webhookdelivery",
                    name="run",
                    field=models.ForeignKey(
                        blank=True,
                        db_column="generation_id",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="generator.run",
                    ),
                ),
                migrations.AddIndex(
                    model_name="inputimage",
                    index=models.Index(
                        condition=models.Q(("run__isnull", True)),
                        fields=["created"],
                        name="staged_photos",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="resultimage",
                    constraint=models.UniqueConstraint(
                        fields=("run", "index"), name="one_result_per_index"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="webhookdelivery",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("run__isnull", False)),
                        fields=("run", "event"),
                        name="one_delivery_per_run_event",
                    ),
                ),
                migrations.AlterField(
                    model_name="preferences",
                    name="default_visibility",
                    field=models.CharField(
                        choices=[("private", "Only me"), ("team", "My team")],
                        default="private",
                        max_length=10,
                        verbose_name="share new runs with",
                    ),
                ),
            ],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
