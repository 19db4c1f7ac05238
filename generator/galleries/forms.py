"""The bulk bar's form: one action over the runs chosen on a gallery page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from generator.galleries.queries import GalleryFilters
from generator.models import Run, Team

# What the last bulk action did: the bar shows it once after the redirect (no-JS path).
DONE_KEY = "bulk-done"

ACTIONS = {
    "favourite": gettext_lazy("Favourite"),
    "unfavourite": gettext_lazy("Unfavourite"),
    "share": gettext_lazy("Share with a team"),
    "private": gettext_lazy("Make private"),
    "delete": gettext_lazy("Delete"),
    "restore": gettext_lazy("Undo"),
    "zip": gettext_lazy("Download ZIP"),
}


class BulkForm(forms.Form):
    """`action`, and `team` when sharing; the ids are read by the service's bulk_ids,
    which drops what is not an id rather than refusing the whole request."""

    action = forms.ChoiceField(
        choices=list(ACTIONS.items()),
        error_messages={
            "required": gettext_lazy("Choose what to do with the selected runs."),
            "invalid_choice": gettext_lazy("Choose what to do with the selected runs."),
        },
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your teams.")},
    )

    def __init__(self, *args, teams: QuerySet[Team], **kwargs):
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Team]", self.fields["team"]).queryset = teams

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("action") == "share" and not cleaned.get("team"):
            self.add_error("team", _("Choose the team to share with."))
        return cleaned


class LibraryFilterForm(forms.Form):
    """Filters for history and the team gallery; every field optional."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    app = forms.ChoiceField(label=gettext_lazy("App"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    favourites = forms.BooleanField(label=gettext_lazy("Favourites only"), required=False)
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("All my teams"),
    )

    def __init__(self, *args, apps=(), teams: QuerySet[Team] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["app"]).choices = [("", _("All apps")), *apps]
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            ("", _("Any state")),
            *Run.State.choices,
        ]
        if teams is not None and teams.count() > 1:
            cast("forms.ModelChoiceField[Team]", self.fields["team"]).queryset = teams
        else:
            del self.fields["team"]

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            # Not an empty gallery that says nothing matches: the reason, by the field.
            self.add_error("date_to", _("The end is before the start."))
        return data

    def filters(self) -> GalleryFilters:
        """The valid filters (empty when none are valid)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return GalleryFilters(
            q=data.get("q", ""),
            app=data.get("app", ""),
            state=data.get("state", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            favourites=bool(data.get("favourites")),
        )

    def chosen_team(self):
        """The one team chosen (None: all of the user's teams)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("team") if "team" in self.fields else None
