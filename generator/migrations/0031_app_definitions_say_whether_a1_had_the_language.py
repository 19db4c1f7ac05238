"""An app definition says whether A1 gave its texts in the language asked for
(`in_language`): asked for one it has no text in, A1 answers in the app's own language.
Names, labels and the app-language select then use only the languages A1 has, with the
app's own language as the fallback for everyone (generator/runs/definitions.py).
Existing rows are told by their texts' script, as the service does."""

from django.db import migrations, models

# Frozen here: the script test as it was when the field came in.
WANTED = {"ja_JP": "ja_JP", "zh_CN": "zh", "zh_TW": "zh", "en_US": "en_US"}


def _script(texts: list[str]) -> str:
    joined = "".join(texts)
    if any("\u3040" <= c <= "\u30ff" for c in joined):
        return "ja_JP"
    if any("\u4e00" <= c <= "\u9fff" for c in joined):
        return "zh"
    if any(c.isascii() and c.isalpha() for c in joined):
        return "en_US"
    return ""


def tell_languages(apps, schema_editor):
    AppDefinition = apps.get_model("generator", "AppDefinition")
    for row in AppDefinition.objects.exclude(language="").only("pk", "language", "definition"):
        data = row.definition or {}
        texts = [str(data.get("name") or "")]
        texts += [
            str(f.get("name") or "") for f in data.get("formArr") or [] if isinstance(f, dict)
        ]
        texts += [
            str(s.get("name") or "") for s in data.get("styleArr") or [] if isinstance(s, dict)
        ]
        found, wanted = _script(texts), WANTED.get(row.language)
        if found and wanted is not None and found != wanted:
            AppDefinition.objects.filter(pk=row.pk).update(in_language=False)


class Migration(migrations.Migration):
    dependencies = [("generator", "0030_file_removal_intents_wait_until_due")]

    operations = [
        migrations.AddField(
            model_name="appdefinition",
            name="in_language",
            field=models.BooleanField(
                default=True,
                help_text="A1 gave its texts in this language (not its own as a fallback).",
            ),
        ),
        migrations.RunPython(tell_languages, migrations.RunPython.noop, elidable=True),
    ]
