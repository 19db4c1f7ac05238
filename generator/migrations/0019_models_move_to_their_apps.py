"""The app library, the data lifecycle and the workers' heartbeats now belong to their own
apps. Their tables stay where they are (db_table): the generator app forgets them in
its state only, and their content types (with the permissions and admin history that
point at them) are renamed to the new apps rather than made anew."""

from django.db import migrations

MOVED = {
    "library": ["libraryapp", "libraryentry", "preset"],
    "lifecycle": ["dataexport", "removallog"],
    "ops": ["workerheartbeat"],
}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        ContentType.objects.filter(app_label="generator", model__in=models).update(app_label=app)


def content_types_return(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app, models in MOVED.items():
        ContentType.objects.filter(app_label=app, model__in=models).update(app_label="generator")


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0018_photo_givers"),
        ("library", "0001_initial"),
        ("lifecycle", "0001_initial"),
        ("ops", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name="dataexport",
                    name="exports_by_state",
                ),
                migrations.RemoveConstraint(
                    model_name="libraryentry",
                    name="library_entry_for_team_or_owner",
                ),
                migrations.RemoveConstraint(
                    model_name="libraryentry",
                    name="one_entry_per_team",
                ),
                migrations.RemoveConstraint(
                    model_name="libraryentry",
                    name="one_entry_per_owner",
                ),
                migrations.RemoveConstraint(
                    model_name="preset",
                    name="one_team_preset_name",
                ),
                migrations.RemoveConstraint(
                    model_name="preset",
                    name="one_personal_preset_name",
                ),
                migrations.RemoveField(
                    model_name="removallog",
                    name="by_staff",
                ),
                migrations.DeleteModel(
                    name="WorkerHeartbeat",
                ),
                migrations.RemoveField(
                    model_name="dataexport",
                    name="requested_by",
                ),
                migrations.RemoveField(
                    model_name="dataexport",
                    name="user",
                ),
                migrations.RemoveField(
                    model_name="libraryentry",
                    name="added_by",
                ),
                migrations.RemoveField(
                    model_name="libraryentry",
                    name="app",
                ),
                migrations.RemoveField(
                    model_name="libraryentry",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="libraryentry",
                    name="team",
                ),
                migrations.RemoveField(
                    model_name="preset",
                    name="owner",
                ),
                migrations.RemoveField(
                    model_name="preset",
                    name="team",
                ),
                migrations.DeleteModel(
                    name="RemovalLog",
                ),
                migrations.DeleteModel(
                    name="DataExport",
                ),
                migrations.DeleteModel(
                    name="LibraryApp",
                ),
                migrations.DeleteModel(
                    name="LibraryEntry",
                ),
                migrations.DeleteModel(
                    name="Preset",
                ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
