"""Staff see people's data exports and what each removal did."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin
from lifecycle.models import DataExport, RemovalLog


@admin.register(DataExport)
class DataExportAdmin(ReadOnlyAdmin):
    list_display = ["user", "requested_by", "state", "created", "expires_at", "download"]
    list_filter = ["state"]
    list_select_related = ["user", "requested_by"]

    @admin.display(description=_("file"))
    def download(self, obj):
        if not obj.available():
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("export_download", args=[obj.pk]), _("Download")
        )


@admin.register(RemovalLog)
class RemovalLogAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "job", "finished_at", "counts", "longest_batch_ms", "by_staff"]
    list_filter = ["job"]
