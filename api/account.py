"""/api/v1/me: who the call acts as and what is left to spend; the caller's data export."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from api.auth import api_key_of
from api.errors import ApiError
from api.schemas import ExportOut, MeOut, errors
from common.zips import zip_response
from generator.access import owned_or_404
from generator.money import budgets, ledger
from lifecycle import exports
from lifecycle.models import DataExport

router = Router(tags=["account"])


@router.get(
    "",
    response={200: MeOut, **errors(401, 429)},
    url_name="me",
    summary="Who the call acts as, and what is left",
)
def me(request: HttpRequest):
    """The caller, the key in use (with its own budget) and this month's allowances."""
    key = api_key_of(request)
    key_out = None
    if key is not None:
        key_out = {
            "name": key.name,
            "prefix": key.prefix,
            "created": key.created,
            "last_used_at": key.last_used_at,
            "monthly_points": key.monthly_points,
            "points_this_month": ledger.points_used(api_key=key),
            "webhook_url": key.webhook_url,
        }
    allowances = [
        {
            "label": str(a.label),
            "budget": a.budget,
            "used": a.used,
            "remaining": a.remaining,
        }
        for a in budgets.allowances(user=request.user)
    ]
    return {"username": request.user.get_username(), "key": key_out, "allowances": allowances}


def _export(request: HttpRequest, export: DataExport) -> dict:
    available = export.available()
    return {
        "id": str(export.id),
        "state": export.state,
        "runs": export.runs,
        "byte_size": export.byte_size,
        "created": export.created,
        "ready_at": export.ready_at,
        "expires_at": export.expires_at,
        "download_url": request.build_absolute_uri(
            reverse("api-v1:export_download", args=[export.id])
        )
        if available
        else None,
    }


@router.post(
    "/exports",
    response={202: ExportOut, **errors(401, 429)},
    url_name="export_create",
    summary="Ask for a ZIP of all your data",
)
def export_create(request: HttpRequest):
    """Queue an export of your account, runs, photos and results; the worker builds it.

    Asking again while one is being prepared returns that one. Poll its URL until
    `state` is `ready`, then GET `download_url` before `expires_at`.
    """
    export = exports.export_request(
        user=request.user, requested_by=request.user, language=get_language() or "en"
    )
    return Status(202, _export(request, export))


@router.get(
    "/exports/{export_id}",
    response={200: ExportOut, **errors(401, 404, 429)},
    url_name="export_detail",
    summary="An export's state",
)
def export_detail(request: HttpRequest, export_id: str):
    """Whether the export is ready, how big it is and until when it can be downloaded."""
    return _export(request, owned_or_404(request.user, DataExport, export_id))


@router.get(
    "/exports/{export_id}/download",
    response={200: bytes, **errors(401, 404, 410, 429)},
    url_name="export_download",
    summary="Download the export's ZIP",
)
def export_download(request: HttpRequest, export_id: str):
    """The ZIP itself, while it is ready and its link has not expired (else 410)."""
    export = owned_or_404(request.user, DataExport, export_id)
    if not export.available():
        raise ApiError(
            410,
            "export_unavailable",
            _("This export is not ready, or its link has expired. Ask for a new one."),
        )
    exports.export_downloaded(export=export)
    response = zip_response(
        export.file.open("rb"),
        filename=f"a1studio-export-{timezone.localdate(export.ready_at):%Y-%m-%d}.zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
