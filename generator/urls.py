from django.urls import path

from .views import app_library, apps, generations, library, media, presets, teams, usage

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
    path("apps/<str:app_id>/", apps.app_detail, name="app_detail"),
    path("apps/<str:app_id>/approve/", app_library.app_approve, name="app_approve"),
    path("apps/<str:app_id>/presets/", presets.preset_save, name="preset_create"),
    path("apps/<str:app_id>/presets/<uuid:preset_id>/", presets.preset_save, name="preset_update"),
    path("presets/<uuid:preset_id>/delete/", presets.preset_delete, name="preset_delete"),
    path(
        "generations/<uuid:generation_id>/", generations.generation_detail, name="generation_detail"
    ),
    path(
        "generations/<uuid:generation_id>/progress/",
        generations.generation_progress,
        name="generation_progress",
    ),
    path(
        "generations/<uuid:generation_id>/resume/",
        generations.generation_resume,
        name="generation_resume",
    ),
    path(
        "generations/<uuid:generation_id>/rerun/",
        generations.generation_rerun,
        name="generation_rerun",
    ),
    path(
        "generations/<uuid:generation_id>/favourite/",
        library.favourite,
        name="generation_favourite",
    ),
    path("generations/<uuid:generation_id>/delete/", library.delete, name="generation_delete"),
    path("generations/<uuid:generation_id>/share/", library.share, name="generation_share"),
    path(
        "generations/<uuid:generation_id>/download.zip", library.download_zip, name="generation_zip"
    ),
    path("enhance/", generations.enhance, name="enhance"),
    path("history/", library.history, name="history"),
    path("team/", library.team_gallery, name="team"),
    path("team/<int:team_id>/invite/", teams.invite, name="team_invite"),
    path("team/join/<str:token>/", teams.join, name="team_join"),
    path("team/preferences/", teams.preferences, name="preferences"),
    path("accounts/signup/", teams.signup, name="signup"),
    path("usage/", usage.usage, name="usage"),
    path("media/inputs/<uuid:image_id>", media.input_image, name="input_image"),
    path("media/results/<uuid:image_id>", media.result_image, name="result_image"),
    path("media/results/<uuid:image_id>/thumb", media.result_thumbnail, name="result_thumbnail"),
]
