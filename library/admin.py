"""Staff see the app library's apps, entries and presets (teams curate them on /apps/)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from generator.models import AppDefinition
from library.models import LibraryApp, LibraryEntry, Preset
from library.services import library_app_charge


class ChargeForm(forms.ModelForm):
    """What the portal charges for the app, when A1's details do not say it right."""

    charge_kind = forms.ChoiceField(
        label=_("Charge as"),
        required=False,
        choices=[
            ("", _("As A1's app details say")),
            ("form", _("Form app: points per image")),
            ("node", _("Node app: points per run")),
        ],
        help_text=_(
            "A node app's cost is shown in its API window on a1.art; A1's app details "
            "may not say it."
        ),
    )
    charge_points = forms.IntegerField(
        label=_("Points"),
        required=False,
        min_value=1,
        max_value=32767,
        help_text=_("Per image for a form app, per run for a node app. Empty: as A1 says."),
    )
    people_positions = forms.IntegerField(
        label=_("People positions"),
        required=False,
        min_value=0,
        max_value=20,
        help_text=_(
            "A group photo app: how many people its photo form takes, one photo each "
            "(0: one photo). Empty: as A1's app details say."
        ),
    )

    class Meta:
        model = LibraryApp
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        definition = (
            AppDefinition.objects.filter(app_id=self.instance.app_id)
            .order_by("-fetched_at")
            .first()
        )
        if definition is not None:
            self.fields["charge_kind"].initial = definition.cost_kind
            self.fields["charge_points"].initial = definition.cost_points
            self.fields["people_positions"].initial = definition.people_positions


@admin.register(LibraryApp)
class LibraryAppAdmin(admin.ModelAdmin):
    """What the version watch knows of each library app (teams curate on /apps/), and
    what the portal charges for it, which staff may correct."""

    form = ChargeForm
    list_display = [
        "name",
        "app_id",
        "kind",
        "cost",
        "version_id",
        "checked_at",
        "updated_at",
        "unavailable_code",
    ]
    list_filter = ["kind"]
    search_fields = ["name", "app_id"]
    readonly_fields = [f.name for f in LibraryApp._meta.fields]

    def get_fields(self, request, obj=None):
        return ["charge_kind", "charge_points", "people_positions", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        library_app_charge(
            app=obj,
            kind=form.cleaned_data["charge_kind"],
            points=form.cleaned_data["charge_points"],
            positions=form.cleaned_data["people_positions"],
        )

    def has_add_permission(self, request):
        return False  # apps enter a library from the library page, read from A1


@admin.register(LibraryEntry)
class LibraryEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "owner", "position", "added"]
    list_filter = ["team"]
    search_fields = ["app__app_id", "app__name", "search_text"]
    list_select_related = ["app", "team", "owner"]
    # Changed on the library page, where search text and order are kept consistent.
    readonly_fields = [f.name for f in LibraryEntry._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    list_display = ["name", "app_id", "owner", "team", "version_id", "updated"]
    list_filter = ["team"]
    search_fields = ["name", "app_id", "owner__username"]
    list_select_related = ["owner", "team"]
    readonly_fields = [f.name for f in Preset._meta.fields]

    def has_add_permission(self, request):
        return False  # presets are saved from an app's filled form
