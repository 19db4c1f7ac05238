"""The app library's forms: adding apps, an entry's notes and tags, filters, presets."""

from __future__ import annotations

import re
from typing import cast

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator.models import Team
from generator.runs.forms import parse_app_ref

MAX_PASTE = 50
MAX_TAGS = 10
TAG_LENGTH = 30


class LibraryAddForm(forms.Form):
    """One app id or link, or many pasted at once (one per line)."""

    apps = forms.CharField(
        label=gettext_lazy("App ids or a1.art links"),
        max_length=MAX_PASTE * 200,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": gettext_lazy("Paste at least one app id or a1.art link.")},
    )

    def clean_apps(self) -> str:
        text = self.cleaned_data["apps"]
        items = [word.strip(",;") for word in text.split()]
        items = [item for item in items if item]
        if len(items) > MAX_PASTE:
            raise forms.ValidationError(
                _("Add at most %(n)d apps at once; you pasted %(count)d.")
                % {"n": MAX_PASTE, "count": len(items)}
            )
        self.order = items
        self.refs: list[tuple[str, str]] = []
        self.bad: list[tuple[str, str]] = []
        seen: set[str] = set()
        for item in items:
            app_id = parse_app_ref(item)
            if app_id is None:
                self.bad.append((item, _("This is not an app id or a link to an app on a1.art.")))
            elif app_id in seen:
                self.bad.append((item, _("This app is listed twice in what you pasted.")))
            else:
                seen.add(app_id)
                self.refs.append((item, app_id))
        return text


def _tags(text: str) -> list[str]:
    # Chinese and Japanese keyboards type their own commas (U+FF0C, U+3001), and the
    # help text in those languages shows them.
    tags: list[str] = []
    for raw in re.split("[,\uff0c\u3001]", text):
        tag = " ".join(raw.split())
        if tag and tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags


class LibraryEntryForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Display name"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Leave empty to use the app's own name."),
    )
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Separate tags with commas, e.g. avatars, posters."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the team should know, e.g. “3:4 for staff avatars”."),
    )

    def clean_title(self) -> str:
        return " ".join(self.cleaned_data["title"].split())

    def clean_note(self) -> str:
        return self.cleaned_data["note"].strip()

    def clean_tags(self) -> list[str]:
        tags = _tags(self.cleaned_data["tags"])
        for tag in tags:
            if len(tag) > TAG_LENGTH:
                raise forms.ValidationError(
                    _("Keep each tag to %(n)d characters or fewer; “%(tag)s…” has %(length)d.")
                    % {"n": TAG_LENGTH, "tag": tag[:20], "length": len(tag)}
                )
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(
                _("Use at most %(n)d tags; there are %(count)d.")
                % {"n": MAX_TAGS, "count": len(tags)}
            )
        return tags


class AppLibraryFilterForm(forms.Form):
    """Search, filters and order of the library page; every field optional."""

    KINDS = [
        ("", gettext_lazy("Any kind")),
        ("form", gettext_lazy("Form apps")),
        ("node", gettext_lazy("Node apps")),
    ]
    COSTS = [
        ("", gettext_lazy("Any cost")),
        ("1", gettext_lazy("1 point per image")),
        ("3", gettext_lazy("Up to 3 points a run")),
        ("10", gettext_lazy("Up to 10 points a run")),
    ]
    PHOTOS = [
        ("", gettext_lazy("Any")),  # short: a phone shows it whole beside "Sort by"
        ("yes", gettext_lazy("Takes photos")),
        ("no", gettext_lazy("Text only")),
    ]
    SORTS = [
        ("pinned", gettext_lazy("Pinned first")),
        ("last_used", gettext_lazy("Last used")),
        ("most_used", gettext_lazy("Most used")),
        ("newest", gettext_lazy("Newest version")),
    ]

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=KINDS, required=False)
    cost = forms.ChoiceField(label=gettext_lazy("Cost"), choices=COSTS, required=False)
    photos = forms.ChoiceField(label=gettext_lazy("Photos"), choices=PHOTOS, required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), choices=SORTS, required=False)
    waiting = forms.BooleanField(label=gettext_lazy("Waiting for approval"), required=False)

    def filters(self) -> dict:
        """The valid choices as keyword arguments for app_library.Filters."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        cost = data.get("cost")
        return {
            "q": data.get("q", ""),
            "kind": data.get("kind", ""),
            "cost": int(cost) if cost else None,
            "photos": data.get("photos", ""),
            "waiting": bool(data.get("waiting")),
            "sort": data.get("sort") or "pinned",
        }


class PresetForm(forms.Form):
    """The name (and, for a new preset, who shares it) when a filled form is saved."""

    preset_name = forms.CharField(label=gettext_lazy("Preset name"), max_length=100)
    preset_team = forms.ModelChoiceField(
        label=gettext_lazy("Who can use it"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=gettext_lazy("Only me"),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Team]", self.fields["preset_team"]).queryset = teams

    def clean_preset_name(self) -> str:
        name = " ".join(self.cleaned_data["preset_name"].split())
        if not name:
            raise forms.ValidationError(_("Give the preset a name."))
        return name
