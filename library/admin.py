"""Staff see the app library's apps, entries and presets (teams curate them on /apps/)."""

from __future__ import annotations

from django.contrib import admin

from library.models import LibraryApp, LibraryEntry, Preset


@admin.register(LibraryApp)
class LibraryAppAdmin(admin.ModelAdmin):
    """What the version watch knows of each library app (teams curate on /apps/)."""

    list_display = ["name", "app_id", "version_id", "checked_at", "updated_at", "unavailable_code"]
    search_fields = ["name", "app_id"]
    readonly_fields = [f.name for f in LibraryApp._meta.fields]

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
