"""Jobs queued by the last release keep working: django-tasks-db stores each job's task by
its module path, and the layout by domain moved every task (and "generation" became
"run"), so queued jobs are pointed at the same tasks' new paths."""

from django.db import migrations

MOVED = {
    "generator.tasks.poll_generation": "generator.runs.tracking.poll_run",
    "generator.services.tracking.poll_generation": "generator.runs.tracking.poll_run",
    "generator.services.app_watch.watch_library": "library.watch.watch_library",
    "generator.services.batch_checking.check_batch": "generator.batches.checking.check_batch",
    "generator.services.batch_checking.purge_stale_drafts": (
        "generator.batches.checking.purge_stale_drafts"
    ),
    "generator.services.batch_pacing.pace_batches": "generator.batches.pacing.pace_batches",
    "generator.services.exports.build_exports": "lifecycle.exports.build_exports",
    "generator.services.galleries.prune_gallery_stamps": (
        "generator.galleries.pages.prune_gallery_stamps"
    ),
    "generator.services.photos.purge_staged_photos": "generator.runs.photos.purge_staged_photos",
    "generator.services.removal.remove_pending_files": "generator.files.queue.remove_pending_files",
    "generator.services.retention.retention_daily": "lifecycle.retention.apply_retention",
    "generator.services.webhooks.deliver_webhook": "generator.keys.webhooks.deliver_webhook",
    "generator.services.webhooks.resume_webhooks": "generator.keys.webhooks.resume_webhooks",
}


def forward(apps, schema_editor):
    Job = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in MOVED.items():
        Job.objects.filter(task_path=old).update(task_path=new)


def backward(apps, schema_editor):
    Job = apps.get_model("django_tasks_database", "DBTaskResult")
    for old, new in MOVED.items():
        if not old.startswith("generator.tasks."):
            Job.objects.filter(task_path=new).update(task_path=old)


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0020_one_word_for_a_run"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forward, backward)]
