"""The usage page's period and split."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class UsageForm(forms.Form):
    """The period and split of the usage page; every field optional (default: this month)."""

    # A list of months, not <input type=month>: empty, that showed "--------- ----" in
    # Chrome and nothing usable in Firefox or Safari at a desk.
    month = forms.DateField(
        label=gettext_lazy("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.Select(),
    )
    MONTHS_LISTED = 24
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    split = forms.ChoiceField(
        label=gettext_lazy("Split each day by"), required=False, initial="app"
    )

    MAX_DAYS = 366

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # App first: it is the default, and what a bound form without a split shows.
        choices = [("app", _("App")), ("team", _("Team"))]
        if staff:
            choices.append(("user", _("User")))
        cast(forms.ChoiceField, self.fields["split"]).choices = choices
        cast(forms.Select, self.fields["month"].widget).choices = self._months(
            timezone.localdate(), str(self.data.get("month") or "") if self.is_bound else ""
        )

    def _months(self, today, asked: str) -> list[tuple[str, str]]:
        """Empty (this month, the page's default), then this month and those before it by name."""
        first = today.replace(day=1)
        months = [("", _("Pick a month"))]
        for _n in range(self.MONTHS_LISTED):
            months.append(
                (first.strftime("%Y-%m"), formats.date_format(first, "YEAR_MONTH_FORMAT"))
            )
            first = (first - timedelta(days=1)).replace(day=1)
        if asked and asked not in dict(months):
            months.append((asked, asked))  # an older month asked by its address
        return months

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        elif start and end and (end - start).days >= self.MAX_DAYS:
            self.add_error("date_to", _("Choose at most %(n)d days.") % {"n": self.MAX_DAYS})
        return cleaned

    def period(self, today) -> tuple:
        """(start, end) chosen, else this month so far."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        start, end, month = data.get("date_from"), data.get("date_to"), data.get("month")
        if start or end:
            end = end or max(start, today)
            start = start or end.replace(day=1)
            return start, end
        if month:
            first = month.replace(day=1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return first, min(last, max(today, first))
        return today.replace(day=1), today

    def split_choice(self) -> str:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("split") or "app"
