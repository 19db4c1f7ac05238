"""The app library's pages: /apps/ (the library itself), its entries, staff's
allow-list, and presets."""

from django.urls import path

from library.views import library as app_library
from library.views import presets

urlpatterns = [
    path("apps/", app_library.library, name="app_index"),
    path("apps/library/add/", app_library.library_add, name="library_add"),
    path("apps/library/<uuid:entry_id>/", app_library.entry_edit, name="library_entry"),
    path("apps/library/<uuid:entry_id>/pin/", app_library.entry_pin, name="library_entry_pin"),
    path(
        "apps/library/<uuid:entry_id>/remove/",
        app_library.entry_remove,
        name="library_entry_remove",
    ),
    path("apps/<str:app_id>/approve/", app_library.app_approve, name="app_approve"),
    path("apps/<str:app_id>/presets/", presets.preset_save, name="preset_create"),
    path("apps/<str:app_id>/presets/<uuid:preset_id>/", presets.preset_save, name="preset_update"),
    path("presets/<uuid:preset_id>/delete/", presets.preset_delete, name="preset_delete"),
]
