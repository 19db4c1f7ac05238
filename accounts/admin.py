"""People in the admin: Django's user admin, with single sign-on links, a data export,
erasure, and deactivation through the service that stops their spending."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile, SsoLink
from accounts.views.auth import ThrottledAdminAuthenticationForm
from generator.audit.admin import AdminActs, AuditedAdmin
from generator.audit.models import Act
from generator.money import spending as people
from lifecycle import exports

# The admin's log-in counts failures with the portal's, against the same limits.
admin.site.login_form = ThrottledAdminAuthenticationForm

User = get_user_model()
admin.site.unregister(User)


class SsoLinkForm(forms.ModelForm):
    class Meta:
        model = SsoLink
        fields: list[str] = []

    def has_changed(self):
        # A new link has nothing to fill in: adding the row is the whole change.
        return self.instance._state.adding or super().has_changed()


class SsoLinkInline(admin.StackedInline):
    """Staff's explicit link: the only way single sign-on reaches a staff or superuser
    account (services/sso.py). Adding one lets the account's next single sign-on with its
    verified email address in, and records who that was; deleting it unlinks."""

    model = SsoLink
    form = SsoLinkForm
    extra = 0
    max_num = 1
    fields = ("issuer", "subject", "created", "linked_at")
    readonly_fields = fields


class ProfileInline(admin.StackedInline):
    """What the person chose on their profile page; staff may correct it (a time zone or
    language set by mistake)."""

    model = Profile
    extra = 0
    max_num = 1
    fields = ("display_name", "time_zone", "language")


@admin.register(User)
class PersonAdmin(AuditedAdmin, UserAdmin):
    """Django's user admin, with a person's data export and erasure (files and all), and
    their single sign-on link. Changes to who someone is and what they may do go in the
    audit log (deactivation through its service, which logs it)."""

    audit_acts = AdminActs(
        Act.PERSON_CREATED,
        Act.PERSON_CHANGED,
        Act.PERSON_CHANGED,
        ("username", "email", "is_staff", "is_superuser", "groups", "user_permissions"),
    )

    actions = ["export_data", "erase"]
    inlines = [SsoLinkInline, ProfileInline]

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        # Deleting a row would leave the person's files and refuse on their runs.
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        return redirect("person_erase", user_id=object_id)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # Through the service, so their batches stop and their holds are released.
            if obj.is_active:
                people.person_reactivate(user=obj)
            else:
                people.person_deactivate(user=obj)

    @admin.action(description=_("Make a data export of each selected person"))
    def export_data(self, request, queryset):
        for person in queryset:
            exports.export_request(
                user=person, requested_by=request.user, language=get_language() or "en"
            )
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The exports are being prepared."),
                reverse("data_lifecycle"),
                _("Download them from the data lifecycle page when ready."),
            ),
        )

    @admin.action(description=_("Erase the selected person and all their data…"))
    def erase(self, request, queryset):
        if queryset.count() != 1:
            messages.error(request, _("Erase one person at a time."))
            return None
        return redirect("person_erase", user_id=queryset.get().pk)
