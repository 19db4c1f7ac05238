from django.urls import path

from .views import apps, generations, media

urlpatterns = [
    path("apps/", apps.app_index, name="app_index"),
    path("apps/<str:app_id>/", apps.app_detail, name="app_detail"),
    path(
        "generations/<uuid:generation_id>/", generations.generation_detail, name="generation_detail"
    ),
    path("media/inputs/<uuid:image_id>", media.input_image, name="input_image"),
]
