"""Admin pieces every domain uses."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Admin pages of models that moved to an app of their own (layout by domain): staff's
# bookmarks of the old addresses still land on the same page.
MOVED_ADMIN = {
    "libraryapp": "library",
    "libraryentry": "library",
    "preset": "library",
    "dataexport": "lifecycle",
    "removallog": "lifecycle",
}


def renamed_admin_page(request: HttpRequest, rest: str = "") -> HttpResponsePermanentRedirect:
    """The admin's runs were "runs" until the layout picked one word."""
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    return HttpResponsePermanentRedirect(f"/admin/generator/run/{rest}{query}")


def moved_admin_page(
    request: HttpRequest, model: str, rest: str = ""
) -> HttpResponsePermanentRedirect:
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    return HttpResponsePermanentRedirect(f"/admin/{MOVED_ADMIN[model]}/{model}/{rest}{query}")
