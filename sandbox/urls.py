"""The sandbox's own URLs: served alone by `manage.py runsandbox`, never by the portal."""

from django.urls import path

from . import api, control, files

P = "open-api/v1/a1/"
urlpatterns = [
    # The portal's worker checks that A1's host answers at all with HEAD /: answered
    # here, so the sandbox does not log "Not Found: /" every sweep.
    path("", control.root),
    path(f"{P}apps/<str:app_id>", api.app_details),
    path(f"{P}images/upload", api.upload),
    path(f"{P}images/generate", api.generate),
    path(f"{P}images/optimize", api.optimize),
    path(f"{P}tasks/<str:task_id>", api.task_query),
    path("files/assets/<str:kind>-<str:item_id>.jpg", files.asset),
    path("files/uploads/<str:upload_id>.<str:ext>", files.upload_file),
    path("files/results/<str:task_id>/<int:index>.jpg", files.result),
    path("_sandbox/stats", control.stats),
    path("_sandbox/catalog", control.catalog),
    path("_sandbox/knobs", control.knobs),
    path("_sandbox/reset", control.reset),
    path("_sandbox/balance", control.balance),
    path("_sandbox/apps/<str:app_id>/bump", control.bump_version),
    path("_sandbox/tasks", control.tasks),
    path("_sandbox/tasks/<str:task_id>", control.task),
    path("_sandbox/files/gate", control.files_gate),
]
