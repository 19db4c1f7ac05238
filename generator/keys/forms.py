"""A personal API key: its name, budget and webhook."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from common.image_links import link_check
from common.images import ImageRejected


class ApiKeyForm(forms.Form):
    """A personal API key's name, its own monthly budget and its webhook."""

    key_id: int | None = None  # the key a bound form edits, when the page shows it again

    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    monthly_points = forms.IntegerField(
        label=gettext_lazy("Points per month"),
        min_value=1,
        required=False,
        help_text=gettext_lazy(
            "Runs started with this key stop at this many points a month. Empty: no limit "
            "of its own (yours and your team's still apply)."
        ),
    )
    webhook_url = forms.URLField(
        label=gettext_lazy("Webhook URL"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Optional: we POST a signed message here when a run started with this key ends."
        ),
    )

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data["webhook_url"]
        if url:
            try:
                link_check(url)
            except ImageRejected as exc:
                raise forms.ValidationError(str(exc)) from None
        return url
