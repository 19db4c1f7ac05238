"""The workers' heartbeats move to the generator app (generator 0024): ops forgets them in
its state only; the table stays."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_initial"),
        ("generator", "0024_worker_heartbeats_back_with_the_leases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="WorkerHeartbeat")],
        ),
    ]
