"""The REST API under /api/v1/: one router per concept, calling the same services.

django-ninja builds the OpenAPI schema from the type hints; the docs page is a reference
drawn from it on the server (api/reference.py), with Swagger UI from ninja's bundled
static files only when a person asks to try a call (no CDN, no inline script: CSP holds).
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseNotAllowed
from django.urls import URLPattern, path, re_path
from django.utils import translation
from django.views.generic import RedirectView

from api import account, apps, batches, history, presets, results, runs, uploads
from api.auth import KeyAuth, SessionAuth
from api.errors import (
    UNAUTHORIZED,
    ApiError,
    api_error_for,
    error_response,
    install,
    method_not_allowed,
    not_found,
)
from api.openapi import ExactSchemaApi
from api.reference import ReferenceDocs
from generator.keys import services as keys

DESCRIPTION = """
Everything the portal does for a person, for a script: open an app, upload photos,
start runs (with an `Idempotency-Key`), follow them and download the results.

Authenticate with a personal API key (create one under **API keys** in the portal):
`Authorization: Bearer a1s_...`. A logged-in browser session works too (unsafe methods
need the CSRF token). Every error answers `{code, message, message_cn}`.
"""


def _docs_access(view):
    """The schema and the docs: for a logged-in person, or a script with a valid key."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if token:
            try:
                request.user = keys.key_authenticate(token=token).user
            except (keys.KeyRefused, keys.KeyRateLimited) as exc:
                return error_response(api_error_for(exc))
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return error_response(ApiError(401, "unauthorized", UNAUTHORIZED))
        return redirect_to_login(request.get_full_path())

    return wrapper


def _in_english(run):
    """Services word their refusals in the active language; the API renders each
    message in English and Chinese itself, so endpoints run in English."""

    @functools.wraps(run)
    def wrapper(*args, **kwargs):
        with translation.override("en"):
            return run(*args, **kwargs)

    return wrapper


api = ExactSchemaApi(
    title="A1 Studio API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[KeyAuth(), SessionAuth()],
    docs=ReferenceDocs(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    docs_decorator=_docs_access,
)
api.add_decorator(_in_english)
install(api)
api.add_router("/apps", apps.router)
api.add_router("/uploads", uploads.router)
api.add_router("/runs", runs.router)
api.add_router("/batches", batches.router)
api.add_router("/presets", presets.router)
api.add_router("/", history.router)
api.add_router("/results", results.router)
api.add_router("/me", account.router)


def _json_405(view):
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            return method_not_allowed(response["Allow"].split(", "))
        return response

    # functools.wraps copied the view's attributes, its csrf_exempt among them.
    return wrapper


def urls():
    """The API's URL patterns, with a wrong method or an unknown path answered in the
    API's error shape rather than Django's HTML pages."""
    listed, app_name, namespace = api.urls
    # The bare /api/v1/ leads to the docs rather than ninja's empty root page. (ninja
    # lists every operation as a URLPattern, none as a resolver.)
    patterns = [p for p in listed if isinstance(p, URLPattern) and p.name != "api-root"]
    for pattern in patterns:
        pattern.callback = _json_405(pattern.callback)
    docs = RedirectView.as_view(pattern_name="api-v1:openapi-view", permanent=False)
    root = path("", docs, name="api-root")  # ninja finds its prefix by this name
    return [*patterns, root, re_path(r"^.*$", not_found)], app_name, namespace
