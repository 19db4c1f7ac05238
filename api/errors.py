"""One error shape for the whole REST API: {code, message, message_cn} (+ fields).

`code` is a stable word a script can branch on; `message` is English and `message_cn`
Chinese, whatever language the request asked for. Every error ends here, including
the ones django-ninja raises itself (401, 404, 422) and any unexpected exception.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from a1 import A1Error, Code
from common.images import ImageRejected
from common.media import StorageUnavailable
from common.outage import RETRY_AFTER_SECONDS, database_away
from generator.errors import BudgetExceeded, SubmitRefused
from generator.keys.services import KeyRateLimited, KeyRefused
from generator.runs.definitions import AppUnavailable
from generator.runs.messages import bilingual, user_message
from generator.runs.starting import AppUpdated

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An answer other than success, raised anywhere below an endpoint."""

    def __init__(
        self,
        status: int,
        code: str,
        message,
        *,
        fields: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra,
    ):
        super().__init__(str(message))
        self.status, self.code, self.message = status, code, message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})
        self.extra = extra


def error_response(error: ApiError) -> JsonResponse:
    message, message_cn = bilingual(error.message)
    body: dict = {"code": error.code, "message": message, "message_cn": message_cn}
    if error.fields:
        body["fields"] = {name: bilingual(text)[0] for name, text in error.fields.items()}
    body |= error.extra
    response = JsonResponse(body, status=error.status, json_dumps_params={"ensure_ascii": False})
    for name, value in error.headers.items():
        response[name] = value
    return response


UNAUTHORIZED = gettext_lazy(
    "Send an API key as 'Authorization: Bearer <key>' (create one under API keys), or log in."
)


def api_error_for(exc: Exception) -> ApiError:
    """The ApiError for any exception an endpoint or ninja can raise."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, KeyRefused):
        if exc.missing:
            return ApiError(401, "unauthorized", UNAUTHORIZED)
        return ApiError(
            401, "invalid_key", gettext_lazy("This API key is not valid or has been revoked.")
        )
    if isinstance(exc, KeyRateLimited):
        return ApiError(
            429,
            "rate_limited",
            gettext_lazy("Too many requests with this API key. Wait and try again."),
            headers={"Retry-After": str(math.ceil(exc.retry_after))},
            retry_after=math.ceil(exc.retry_after),
        )
    if isinstance(exc, BudgetExceeded):
        return ApiError(402, "budget_exceeded", exc.message, scope=exc.scope)
    if isinstance(exc, SubmitRefused):
        if exc.code == Code.BALANCE_INSUFFICIENT:
            return ApiError(402, "balance_insufficient", exc.message)
        if exc.problems:
            return ApiError(422, "invalid", exc.message, fields=exc.problems)
        if exc.code:
            return ApiError(422, "refused", exc.message, a1_code=int(exc.code))
        return ApiError(422, "refused", exc.message)
    if isinstance(exc, AppUpdated):
        return ApiError(409, "app_updated", user_message(A1Error(Code.APP_UPDATED)))
    if isinstance(exc, AppUnavailable):
        if exc.code == Code.APP_NOT_FOUND:
            return ApiError(404, "app_not_found", exc.message, a1_code=int(exc.code))
        return ApiError(403, "app_unavailable", exc.message, a1_code=int(exc.code))
    if isinstance(exc, A1Error):
        if exc.code == Code.RATE_LIMITED:
            return ApiError(503, "upstream_busy", user_message(exc), headers={"Retry-After": "5"})
        return ApiError(502, "upstream_error", user_message(exc), a1_code=int(exc.code))
    if isinstance(exc, ImageRejected):
        return ApiError(422, "invalid_image", str(exc), fields={"file": str(exc)})
    if isinstance(exc, NinjaValidationError):
        fields: dict[str, str] = {}
        for item in exc.errors:
            source, *parts = item.get("loc", ()) or ("body",)
            if source == "body" and len(parts) > 1:
                parts = parts[1:]  # the name of the body parameter itself means nothing
            where = ".".join(str(part) for part in parts) or source
            fields.setdefault(where, item.get("msg", ""))
        return ApiError(422, "invalid", gettext_lazy("Some values are not valid."), fields=fields)
    if isinstance(exc, Http404):
        return ApiError(404, "not_found", gettext_lazy("Not found."))
    if isinstance(exc, HttpError):
        if exc.status_code == 401:
            return ApiError(401, "unauthorized", UNAUTHORIZED)
        if exc.status_code == 403 and "CSRF" in exc.message:
            return ApiError(
                403,
                "csrf_failed",
                gettext_lazy(
                    "Logged-in calls must send the CSRF token (X-CSRFToken); "
                    "scripts should use an API key."
                ),
            )
        if exc.status_code == 400:
            return ApiError(400, "bad_request", gettext_lazy("The request could not be read."))
        return ApiError(exc.status_code, "error", exc.message)
    if isinstance(exc, StorageUnavailable):
        return ApiError(
            503,
            "storage_unavailable",
            exc.message,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            retry_after=RETRY_AFTER_SECONDS,
        )
    if database_away(exc):
        logger.warning("API: database unavailable (%s)", type(exc).__name__)
        return ApiError(
            503,
            "unavailable",
            gettext_lazy("We'll be back shortly: a service we rely on is briefly unavailable."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            retry_after=RETRY_AFTER_SECONDS,
        )
    logger.exception("API error", exc_info=exc)
    return ApiError(500, "server_error", gettext_lazy("Something went wrong on our side."))


def _handle(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(api_error_for(exc))


def install(api: NinjaAPI) -> None:
    """Every exception, ninja's own included, answers in the one shape."""
    handled: tuple[type[Exception], ...] = (Exception, Http404, HttpError, NinjaValidationError)
    for exc_class in handled:
        # ninja types a handler's argument as the exception or its class (Exc = _E |
        # type[_E]); handlers are only ever called with the exception itself.
        api.add_exception_handler(exc_class, _handle)  # type: ignore[arg-type]


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Paths under /api/v1/ that name no endpoint."""
    return error_response(ApiError(404, "not_found", gettext_lazy("No such endpoint.")))


def method_not_allowed(allowed) -> JsonResponse:
    response = error_response(
        ApiError(
            405, "method_not_allowed", gettext_lazy("This endpoint does not take that method.")
        )
    )
    response["Allow"] = ", ".join(sorted(allowed))
    return response
