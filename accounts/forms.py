"""The profile form, and the password reset form that writes in the person's language."""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.profiles import profile_values, time_zone_names


class ProfileForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("Where a link to reset your password is sent."),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("Shown in the top bar instead of your user name."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Every time on the portal is shown in this zone."),
    )
    language = forms.ChoiceField(
        label=_("Interface language"),
        required=False,
        help_text=_("Used on every page and in emails, whatever the browser asks for."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (name, name.replace("_", " ")) for name in time_zone_names()
        ]
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            ("", _("As the browser asks")),
            *[
                (code, translation.get_language_info(code)["name_local"])
                for code, _n in settings.LANGUAGES
            ],
        ]
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["display_name"].widget.attrs["autocomplete"] = "name"
        if settings.SSO_ENABLED:
            # Single sign-on links a first log-in to the account with its verified address:
            # an address typed here is not verified, so it is the provider's (or staff's).
            self.fields["email"].disabled = True
            self.fields["email"].help_text = _(
                "Your email address comes from %(provider)s: ask staff to change it here."
            ) % {"provider": settings.SSO_NAME}
        if not settings.LOCAL_ACCOUNTS:
            # Passwords are off: the provider is the one record of who the person is, and
            # its name is the one shown (read-only here, changed at the provider).
            self.fields["display_name"].disabled = True
            self.fields["display_name"].help_text = _(
                "Your name comes from %(provider)s: change it there."
            ) % {"provider": settings.SSO_NAME}

    def clean_display_name(self) -> str:
        if self.fields["display_name"].disabled:
            return self.user.get_full_name()[:150]
        return (self.cleaned_data.get("display_name") or "").strip()

    def clean_email(self) -> str:
        email = (self.cleaned_data.get("email") or "").strip()
        if self.fields["email"].disabled:
            return self.user.email
        others = get_user_model().objects.exclude(pk=self.user.pk)
        if email and others.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Another account uses this address. Use one that is yours alone.")
            )
        return email


class PersonalPasswordResetForm(PasswordResetForm):
    """Django's reset form; the email goes out in the language the person chose, and its
    link names the portal's public address (SITE_URL) when one is set, rather than the
    Host the request came with."""

    def save(self, *args, **kwargs):
        if settings.SITE_URL:
            site = urlsplit(settings.SITE_URL)
            kwargs |= {"domain_override": site.netloc, "use_https": site.scheme == "https"}
        return super().save(*args, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        language = profile_values(user=context["user"]).language or translation.get_language()
        with translation.override(language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
