"""Invites may name whom they are for (and say when they were emailed); a batch item's
reason for the fixed cases is a code worded when shown (generator/batches/reasons.py).
The English rows become codes; rows stored in another language stay as they are and are
shown as they are."""

from django.db import migrations, models

# Frozen here: the map as it was when the codes came in.
ENGLISH = {
    "cancelled_by_owner": "Cancelled by its owner.",
    "key_revoked": "Cancelled: the API key that started it was revoked.",
    "account_deactivated": "Cancelled: the account that started it was deactivated.",
    "over_budget": "Did not fit the budget.",
    "no_csv_row": "No row of the CSV names this photo.",
}


def reasons_to_codes(apps, schema_editor):
    BatchItem = apps.get_model("generator", "BatchItem")
    for code, words in ENGLISH.items():
        BatchItem.objects.filter(reason=words).update(reason=code)


def codes_to_reasons(apps, schema_editor):
    BatchItem = apps.get_model("generator", "BatchItem")
    for code, words in ENGLISH.items():
        BatchItem.objects.filter(reason=code).update(reason=words)


class Migration(migrations.Migration):
    dependencies = [("generator", "0027_approvals")]

    operations = [
        migrations.AddField(
            model_name="invite",
            name="email",
            field=models.EmailField(blank=True, default="", max_length=254),
        ),
        migrations.AddField(
            model_name="invite",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(reasons_to_codes, codes_to_reasons, elidable=True),
    ]
