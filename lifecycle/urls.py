"""A person's data (/account/: export, delete) and staff's data lifecycle pages."""

from django.urls import path

from lifecycle.views import account, staff

urlpatterns = [
    path("account/", account.account, name="account"),
    path("account/export/", account.export_create, name="export_create"),
    path("account/exports/<uuid:export_id>/", account.export_download, name="export_download"),
    path("account/delete/", account.account_delete, name="account_delete"),
    path("staff/data/", staff.data_lifecycle, name="data_lifecycle"),
    path("staff/people/<int:user_id>/erase/", staff.person_erase, name="person_erase"),
]
