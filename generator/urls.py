from django.urls import path

from .views import account, apps, generations, library, media, staff, teams, usage

urlpatterns = [
    path("apps/", apps.app_index, name="app_index"),
    path("apps/<str:app_id>/", apps.app_detail, name="app_detail"),
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
    path("account/", account.account, name="account"),
    path("account/export/", account.export_create, name="export_create"),
    path("account/exports/<uuid:export_id>/", account.export_download, name="export_download"),
    path("account/delete/", account.account_delete, name="account_delete"),
    path("staff/data/", staff.data_lifecycle, name="data_lifecycle"),
    path("staff/people/<int:user_id>/erase/", staff.person_erase, name="person_erase"),
    path("media/inputs/<uuid:image_id>", media.input_image, name="input_image"),
    path("media/results/<uuid:image_id>", media.result_image, name="result_image"),
    path("media/results/<uuid:image_id>/thumb", media.result_thumbnail, name="result_thumbnail"),
]
