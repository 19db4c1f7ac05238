"""Team forms: each person's sharing defaults (the run form's sharing choice), and a
manager's new invite (whom it is for, the role it gives)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from generator.models import Membership
from generator.runs.forms import ShareForm


class PreferencesForm(ShareForm):
    pass


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        help_text=_("The link is emailed there, and the new account starts with this address."),
    )
    role = forms.ChoiceField(
        label=_("Joins as"),
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        required=False,  # left out: a member, as invites always were
    )
