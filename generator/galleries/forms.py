"""The bulk bar's form: one action over the runs chosen on a gallery page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of your teams.")},
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "share" and not cleaned.get("team"):
            self.add_error("team", _("Choose the team to share with."))
        return cleaned
