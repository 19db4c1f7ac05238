from django.urls import path, re_path

from gateway import views

urlpatterns = [
    path("apps/<str:app_id>", views.app_details, name="gateway_app"),
    path("images/upload", views.upload, name="gateway_upload"),
    path("images/generate", views.generate, name="gateway_generate"),
    path("images/optimize", views.optimize, name="gateway_optimize"),
    path("tasks/<str:task_id>", views.task_query, name="gateway_task"),
    path("files/<str:token>/<str:name>", views.kept_file, name="gateway_file"),
    re_path(r"^.*$", views.no_endpoint),
]
