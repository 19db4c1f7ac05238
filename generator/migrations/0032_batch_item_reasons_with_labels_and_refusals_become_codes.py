"""A batch item's reason that names form fields, and A1's own refusals, are kept as a
message and its values (or A1's code) and worded when shown (generator/batches/
reasons.py). Rows stored in English become such codes; the labels they name stay the
words stored (which fields they were is not known any more). Rows stored in another
language stay as they are and are shown as they are."""

import json
import re

from django.db import migrations

# Frozen here: the English as it was when the codes came in.
A1_REFUSALS = {
    "A1 did not accept these values. Check the fields and try again.": 10001,
    "A1 accepts PNG and JPEG images only.": 10002,
    "The image service is not set up correctly. Ask an administrator to check the A1 API key.": 10410,
    "A1 is busy right now. Wait a few seconds and try again.": 20000,
    "A1 had a server error. Try again in a moment.": 20002,
    "A1 could not read this image. Try another photo.": 20100,
    "This app cannot be used through the A1 API.": 324010,
    "This app cannot make that many images in one run.": 324011,
    "There is no A1 app with this id.": 324012,
    "The app's author has just updated it. Check the form and submit again.": 324013,
    "This app is an unpublished draft by another creator; only its author can use it.": 324018,
    "This is a VIP app: it needs a paid A1 plan.": 324019,
    "Choose an image.": 400000,
    "Only one image can go in each photo field.": 400001,
    "This file is not an image.": 400002,
    "Images must be 10 MB or smaller.": 400003,
    "Images must be at most 2048×2048 pixels.": 400006,
    "The A1 account has run out of points. An administrator needs to top it up.": 810012,
    "A1 could not be reached. Try again in a moment.": -1,
}
PLAIN = [
    "This app has no photo field for this file.",
    "Name the photos of one group with the person's number at the end, "
    "like anna_1.jpg and anna_2.jpg.",
    "This app has no text field with this id.",
    "This field is required.",
    "Choose one of the app's styles.",
    "This app has no styles to choose from.",
    "Choose one of the sizes.",
    "This app has no size to choose.",
    "Choose who can see it: only you or your team.",
    "This app has no photo field with this name.",
    "Choose a photo, drop one here, or paste a link.",
]
WITH_VALUES = [
    (re.compile(r"^Missing: (?P<fields>.+)\.$"), "Missing: %(fields)s."),
    (
        re.compile(r"^No photo for (?P<slots>.+) with this name\.$"),
        "No photo for %(slots)s with this name.",
    ),
    (
        re.compile(r"^The photo for (?P<slot>.+) is not among the uploads\.$"),
        "The photo for %(slot)s is not among the uploads.",
    ),
    (re.compile(r"^(?P<name>.+) could not be read\.$"), "%(name)s could not be read."),
]


def _plain_run(text: str) -> list[str] | None:
    """The plain messages `text` is made of, joined by spaces; None if not only those."""
    found = []
    while text:
        one = next((p for p in PLAIN if text.startswith(p)), None)
        if one is None:
            return None
        found.append(one)
        text = text[len(one) :].lstrip(" ")
    return found


def _coded(text: str) -> str | None:
    if text in A1_REFUSALS:
        return f"a1:{A1_REFUSALS[text]}"
    plain = _plain_run(text)
    if plain:
        kept = (
            {"m": plain[0], "p": {}}
            if len(plain) == 1
            else {"all": [{"m": m, "p": {}} for m in plain]}
        )
        return "msg:" + json.dumps(kept, ensure_ascii=False)
    for pattern, msgid in WITH_VALUES:
        match = pattern.match(text)
        if match:
            return "msg:" + json.dumps({"m": msgid, "p": match.groupdict()}, ensure_ascii=False)
    return None


def reasons_to_codes(apps, schema_editor):
    BatchItem = apps.get_model("generator", "BatchItem")
    rows = (
        BatchItem.objects.exclude(reason="")
        .exclude(reason__startswith="msg:")
        .exclude(reason__startswith="a1:")
        .values_list("pk", "reason")
    )
    for pk, reason in rows.iterator():
        coded = _coded(reason)
        if coded is not None and len(coded) <= 500:
            BatchItem.objects.filter(pk=pk).update(reason=coded)


class Migration(migrations.Migration):
    dependencies = [("generator", "0031_app_definitions_say_whether_a1_had_the_language")]

    operations = [migrations.RunPython(reasons_to_codes, migrations.RunPython.noop, elidable=True)]
