"""Team forms: each person's sharing defaults (the run form's sharing choice)."""

from __future__ import annotations

from generator.runs.forms import ShareForm


class PreferencesForm(ShareForm):
    pass
