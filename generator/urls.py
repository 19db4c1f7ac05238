from django.urls import path

from .views import apps, generations, media

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
    path("enhance/", generations.enhance, name="enhance"),
    path("media/inputs/<uuid:image_id>", media.input_image, name="input_image"),
    path("media/results/<uuid:image_id>", media.result_image, name="result_image"),
    path("media/results/<uuid:image_id>/thumb", media.result_thumbnail, name="result_thumbnail"),
]
