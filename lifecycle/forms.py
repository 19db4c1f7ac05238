"""Erasing a person: typing their name to confirm."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class EraseConfirmForm(forms.Form):
    """Erasing an account cannot be undone: the user name is typed to confirm it."""

    username = forms.CharField(
        label=gettext_lazy("Type the user name to confirm"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, expected: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_username(self) -> str:
        typed = self.cleaned_data["username"]
        if typed != self.expected:
            raise forms.ValidationError(
                _("That is not the user name %(name)s, so nothing was deleted.")
                % {"name": self.expected}
            )
        return typed
