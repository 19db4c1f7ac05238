from django.urls import path

from .views import apps

urlpatterns = [
    path("apps/", apps.app_index, name="app_index"),
]
