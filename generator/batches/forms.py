"""The batch form: the app's own choices, with many photos per slot and texts per line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from a1 import App
from generator.batches.inputs import read_csv, read_lines
from generator.runs.forms import choice_fields, sharing_fields
from generator.runs.inputs import (
    DescriptionField,
    ImageSlot,
    RunChoices,
    app_descriptions,
    app_slots,
)

MAX_CSV_BYTES = 2 * 1024 * 1024


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files under one name (Django's documented pattern)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        # Each file is judged later, on its own: an empty or broken one becomes a bad
        # item with its reason, never an error that loses the whole upload.
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f and getattr(f, "name", "")]
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


class BatchForm(forms.Form):
    """Base class; `batch_form(app)` adds the app's fields."""

    app: App
    slots: list[ImageSlot]
    texts: list[DescriptionField]
    archives = MultipleFileField(
        label=gettext_lazy("…or ZIP files of photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    csv = forms.FileField(
        label=gettext_lazy("…or a CSV file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=gettext_lazy(
            "A header row naming the text fields; a “file” column pairs rows with photos."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields |= sharing_fields(user)
        self.csv_rows: list[dict[str, str]] = []

    def clean_csv(self):
        upload = self.cleaned_data.get("csv")
        if not upload:
            return None
        if upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("The CSV file is larger than 2 MB."))
        rows, problem = read_csv(upload.read())
        if problem:
            raise forms.ValidationError(problem)
        self.csv_rows = rows
        return upload

    def photo_fields(self):
        return [(slot, self[f"photos_{slot.name}"]) for slot in self.slots]

    def text_fields(self):
        return [self[f"text_{text.id}"] for text in self.texts]

    # --- plain data for the services --------------------------------------------

    def run_choices(self) -> RunChoices:
        """The choices shared by every item (texts come per item)."""
        return RunChoices.from_form(self.cleaned_data)

    def uploads(self) -> dict[str, list]:
        return {
            slot.name: self.cleaned_data.get(f"photos_{slot.name}") or [] for slot in self.slots
        }

    def lines(self) -> dict[str, list[str]]:
        return {t.id: read_lines(self.cleaned_data.get(f"text_{t.id}", "")) for t in self.texts}

    def add_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            field = f"text_{name.removeprefix('desc_')}" if name.startswith("desc_") else name
            self.add_error(field if field in self.fields else None, message)


def batch_form(app: App) -> type[BatchForm]:
    fields: dict[str, forms.Field] = {}
    slots, texts = app_slots(app), app_descriptions(app)
    for slot in slots:
        fields[f"photos_{slot.name}"] = MultipleFileField(
            label=slot.label,
            required=False,
            widget=MultipleFileInput(attrs={"accept": "image/*,.heic,.heif"}),
        )
    for text in texts:
        fields[f"text_{text.id}"] = forms.CharField(
            label=text.label,
            required=False,
            max_length=200_000,
            widget=forms.Textarea(attrs={"rows": 4, "placeholder": text.placeholder}),
            help_text=_("One per line. A single line applies to every item."),
        )
    fields |= choice_fields(app)
    attrs = {"app": app, "slots": slots, "texts": texts, **fields}
    return type("BatchFormFor" + app.id, (BatchForm,), attrs)
