"""Who gave each photo: `InputImage.given_by`, filled for the rows kept so far.

A file's first row is the one `photo_keep` stored it with; every later row of the same
file is a copy (a remix, a batch item, a retry) and points at the same giver. Works on
SQLite and PostgreSQL alike, in bounded queries; reversible (the column goes again).
"""

from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, F

CHUNK = 500  # file names per IN (...) list


def givers_fill(apps, schema_editor):
    """The giver of every row: the owner of its file's earliest row."""
    InputImage = apps.get_model("generator", "InputImage")
    rows = InputImage.objects.using(schema_editor.connection.alias)
    rows.update(given_by=F("owner"))  # right for every original, and most rows are one
    copied = list(
        rows.exclude(file="")
        .order_by()
        .values("file")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("file", flat=True)
    )
    for start in range(0, len(copied), CHUNK):
        names = copied[start : start + CHUNK]
        first: dict[str, int] = {}
        earliest_first = rows.filter(file__in=names).order_by("file", "created", "pk")
        for name, owner in earliest_first.values_list("file", "owner_id"):
            first.setdefault(name, owner)
        by_giver = defaultdict(list)
        for name, giver in first.items():
            by_giver[giver].append(name)
        for giver, files in by_giver.items():
            rows.filter(file__in=files).exclude(owner_id=giver).update(given_by_id=giver)
    # PostgreSQL checks the new foreign keys at commit; checked now, the column can be
    # made NOT NULL in this same transaction (no "pending trigger events").
    schema_editor.connection.check_constraints(table_names=[InputImage._meta.db_table])


class Migration(migrations.Migration):
    dependencies = [
        ("generator", "0017_points_ledger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="inputimage",
            name="given_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos_given",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(givers_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="inputimage",
            name="given_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos_given",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
