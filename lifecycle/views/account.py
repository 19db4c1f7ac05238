"""A person's own data: download it all (an export), or delete the account and everything."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from common.htmx import HtmxHttpRequest, redirect_after_post
from common.zips import zip_response
from generator.access import visible_or_404
from lifecycle import erasure, exports
from lifecycle.forms import EraseConfirmForm
from lifecycle.models import DataExport


def _page(request, form: EraseConfirmForm, status: int = 200):
    mine = list(exports.exports_of(user=request.user)[:5])
    context = {
        "exports": mine,
        "pending": any(export.pending for export in mine),
        "summary": erasure.erasure_summary(user=request.user),
        "form": form,
        "keep_hours": settings.EXPORT_KEEP_HOURS,
    }
    template = "lifecycle/account.html#exports" if request.htmx else "lifecycle/account.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def account(request: HtmxHttpRequest):
    return _page(request, EraseConfirmForm(expected=request.user.get_username()))


@login_required
@require_POST
def export_create(request: HtmxHttpRequest):
    exports.export_request(
        user=request.user, requested_by=request.user, language=get_language() or "en"
    )
    messages.success(request, _("Your export is being prepared. It appears here when ready."))
    return redirect_after_post(request, reverse("account"))


@login_required
@require_GET
def export_download(request: HtmxHttpRequest, export_id):
    export = visible_or_404(request.user, DataExport, export_id)
    if not export.available():
        return render(request, "lifecycle/expired.html", status=410)
    if export.requested_by_id == request.user.id:
        exports.export_downloaded(export=export)
    name = slugify(export.user.get_username()) or "account"
    response = zip_response(
        export.file.open("rb"),
        filename=f"a1studio-{name}-{timezone.localdate(export.ready_at):%Y-%m-%d}.zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def account_delete(request: HtmxHttpRequest):
    form = EraseConfirmForm(request.POST, expected=request.user.get_username())
    if not form.is_valid():
        return _page(request, form)
    try:
        erasure.user_erase(user=request.user)
    except erasure.ErasureRefused as exc:
        form.add_error(None, exc.message)
        return _page(request, form)
    logout(request)
    messages.success(request, _("Your account and everything in it were deleted."))
    return redirect_after_post(request, settings.LOGIN_URL)
