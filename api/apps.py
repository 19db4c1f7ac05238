"""GET /api/v1/apps/{app_id}: what a run of the app takes, read from A1 (cached)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy
from ninja import Router

from a1.client import LANGUAGES
from a1.types import SIZES
from api.errors import ApiError
from api.schemas import AppOut, errors
from generator.models import AppDefinition
from generator.runs import definitions as apps
from generator.runs.inputs import app_descriptions, app_slots

router = Router(tags=["apps"])


@router.get(
    "/{app_id}",
    response={200: AppOut, **errors(401, 403, 404, 429, 502)},
    url_name="app_detail",
    summary="What a run of an app takes and costs",
)
def app_detail(request: HttpRequest, app_id: str, language: str = ""):
    """The app's photo slots, text fields, styles and sizes, and what a run costs."""
    definition = definition_for(request, app_id, language)
    apps.app_visit(user=request.user, app_id=definition.app_id)
    return app_out(definition)


def a1_language_of(language: str) -> str:
    return language if language in LANGUAGES else "en_US"


def definition_for(request: HttpRequest, app_id: str, language: str = "") -> AppDefinition:
    """The app's current definition, if the caller's team may use it (else 404/403)."""
    if not (app_id.isdigit() and len(app_id) <= 32):
        raise ApiError(404, "app_not_found", gettext_lazy("There is no A1 app with this id."))
    if not apps.app_allowed(user=request.user, app_id=app_id):
        raise ApiError(
            403,
            "app_not_allowed",
            gettext_lazy("Your team only uses apps staff have approved; this one is not yet."),
        )
    definition = apps.app_fetch(app_id=app_id, language=a1_language_of(language))
    return definition


def app_out(definition: AppDefinition) -> dict:
    app = definition.app
    has_sizes = bool(app.forms_of("size"))
    return {
        "id": app.id,
        "version_id": app.version_id,
        "language": definition.language,
        "name": app.name,
        "description": app.description,
        "cover": app.cover,
        "is_node": app.is_node,
        "generatable": app.generatable,
        "max_images": app.max_images,
        "points_per_run": {str(n): app.cost(n) for n in range(1, app.max_images + 1)},
        "photos": [
            {
                "name": slot.name,
                "form_id": slot.form_id,
                "position": slot.position,
                "label": str(slot.label),
                "required": slot.required,
            }
            for slot in app_slots(app)
        ],
        "texts": [
            {
                "id": item.id,
                "label": str(item.label),
                "required": item.required,
                "default": item.default,
                "placeholder": item.placeholder,
            }
            for item in app_descriptions(app)
        ],
        "styles": [{"id": s.id, "name": s.name, "image": s.image} for s in app.styles]
        if app.forms_of("style")
        else [],
        "sizes": [{"id": k, "label": label} for k, (label, _w, _h) in SIZES.items()]
        if has_sizes
        else [],
    }
