"""GET /api/v1/me: who the call acts as, with which key, and what is left to spend."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from ..models import Generation
from ..services import budgets
from .auth import api_key_of
from .schemas import MeOut, errors

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
            "points_this_month": Generation.objects.filter(api_key=key).this_month().points_used(),
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
