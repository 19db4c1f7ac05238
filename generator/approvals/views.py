"""The approvals pages: the requests a person may answer (and their own), one request
with its quote and inputs, and the answer. Another team's request is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.htmx import HtmxHttpRequest, LoggedInHttpRequest, redirect_after_post
from common.media import stored_image
from generator.access import approval_or_404
from generator.approvals.decisions import approval_decide
from generator.approvals.models import Approval
from generator.approvals.reading import approval_photo, approval_read
from generator.approvals.requests import (
    approvals_to_decide,
    approvals_visible_to,
    may_decide,
)
from generator.errors import SubmitRefused
from generator.runs.definitions import a1_language, app_name_expression, app_names
from generator.runs.views.media import IMAGE_CSP


@login_required
@require_GET
def approval_list(request: LoggedInHttpRequest):
    visible = approvals_visible_to(user=request.user)
    context = {
        "to_decide": list(_named(approvals_to_decide(user=request.user))[:100]),
        "answered": list(_named(visible.exclude(state=Approval.State.PENDING))[:50]),
        "mine": list(
            _named(visible.filter(requested_by=request.user, state=Approval.State.PENDING))
        ),
    }
    return render(request, "approvals/list.html", context)


def _named(approvals: QuerySet[Approval]) -> QuerySet[Approval]:
    """Each request's app named in the reader's language (A1's, else the app's own)."""
    return approvals.annotate(
        app_name=app_name_expression(
            app_id=OuterRef("batch__app_id"), language=a1_language(), fallback=F("batch__app_name")
        )
    )


@login_required
@require_GET
def approval_detail(request: HtmxHttpRequest, approval_id: int):
    approval = approval_or_404(request.user, approval_id)
    app_id = approval.batch.app_id
    named = app_names(app_ids=[app_id], language=a1_language())
    context = {
        "request_read": approval_read(approval=approval),
        "app_name": named.get(app_id, (approval.batch.app_name or app_id, ""))[0],
        "approval": approval,
        "can_decide": approval.pending and may_decide(user=request.user, approval=approval),
        "own": approval.requested_by_id == request.user.pk,
    }
    return render(request, "approvals/detail.html", context)


@login_required
@require_POST
def approval_answer(request: HtmxHttpRequest, approval_id: int):
    approval = approval_or_404(request.user, approval_id)
    approve = request.POST.get("answer") == "approve"
    try:
        approval_decide(
            approval=approval,
            by=request.user,
            approve=approve,
            reason=request.POST.get("reason", ""),
        )
    except SubmitRefused as exc:
        messages.error(request, exc.message)
    else:
        if approve:
            messages.success(request, _("Approved: the batch is running."))
        else:
            messages.success(request, _("Refused: its points were released and its owner told."))
    return redirect_after_post(request, f"/approvals/{approval.pk}/")


@IMAGE_CSP
@login_required
@require_GET
def approval_photo_view(request: HtmxHttpRequest, approval_id: int, photo_id):
    """A photo of the request, for the people who may read it (the requester's photos
    are otherwise theirs alone)."""
    approval = approval_or_404(request.user, approval_id)
    photo = approval_photo(approval=approval, photo_id=photo_id)
    if photo is None or not photo.file:
        raise Http404
    return stored_image(photo.file)
