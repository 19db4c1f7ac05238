"""A1's envelope and codes around the gateway's endpoints: the key, the rate limit, and
every refusal put the way A1 puts it (`{code, msg, msg_cn, data}`).

HTTP statuses follow what A1 (and the sandbox) send: 200 for refusals, 429 for 20000,
5xx for server errors, 404 for a path and 405 for a method A1 does not have (with the
envelope all the same). Nothing from our paid A1 key's side ever reaches the caller
as a key error or as a code outside A1's table: an upstream 10410/10411, or a network
failure between us and A1, is our own trouble, so it is a 20003 here (810012 stays
810012: the account's balance is the script's business too, as at A1).
"""

from __future__ import annotations

import functools
import logging
import math

from django.http import Http404, HttpRequest, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from a1 import A1Error, Code
from a1.errors import MESSAGES
from common.media import StorageUnavailable
from common.outage import RETRY_AFTER_SECONDS, database_away
from generator.errors import SubmitRefused
from generator.keys import services as keys
from generator.runs.definitions import AppUnavailable
from generator.runs.messages import bilingual
from generator.runs.starting import AppUpdated

logger = logging.getLogger(__name__)

HTTP_STATUS: dict[int, int] = {
    Code.RATE_LIMITED: 429,
    Code.SERVER_ERROR: 500,
    Code.SERVICE_INTERNAL_ERROR: 503,
}
# Our own refusals that name a field, in A1's terms.
FIELD_CODES = {"generate_num": Code.QUANTITY_OUT_OF_RANGE}
# Codes only our paid A1 key can earn: the script's own key is fine, so never these.
UPSTREAM_KEY_CODES = frozenset({Code.MISSING_API_KEY, Code.INVALID_API_KEY})


class GatewayError(Exception):
    """Answer with this A1 code; `detail` (English) is appended to A1's message."""

    def __init__(self, code: int, detail: str = "", detail_cn: str = ""):
        super().__init__(f"{code} {detail}".strip())
        self.code, self.detail, self.detail_cn = int(code), str(detail), str(detail_cn)
        self.retry_after: int | None = None


def answer(data=None, *, code: int = 0, detail: str = "", detail_cn: str = "") -> JsonResponse:
    known = MESSAGES.get(Code(code)) if code in Code._value2member_map_ else None
    msg, msg_cn = known or (f"error {code}", f"错误 {code}")
    if detail:
        msg = f"{msg}: {detail}"
        msg_cn = f"{msg_cn}: {detail_cn or detail}"
    body = {"code": code, "msg": msg, "msg_cn": msg_cn, "data": data}
    return JsonResponse(
        body, status=HTTP_STATUS.get(code, 200), json_dumps_params={"ensure_ascii": False}
    )


def gateway_error_for(exc: Exception) -> GatewayError:
    """The A1 code (and detail) for anything the services or the key check raise."""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, keys.KeyRefused):
        return GatewayError(Code.MISSING_API_KEY if exc.missing else Code.INVALID_API_KEY)
    if isinstance(exc, keys.KeyRateLimited):
        error = GatewayError(Code.RATE_LIMITED)
        error.retry_after = math.ceil(exc.retry_after)
        return error
    if isinstance(exc, SubmitRefused):
        english, chinese = bilingual(exc.message)
        if exc.code and _upstream_trouble(exc.code):
            logger.warning("Gateway: A1 could not be used (code %s)", exc.code)
            return GatewayError(Code.SERVICE_INTERNAL_ERROR, "A1 could not be reached")
        if exc.code:
            return GatewayError(exc.code, english, chinese)
        for field, code in FIELD_CODES.items():
            if field in exc.problems:
                return GatewayError(code, str(exc.problems[field]))
        detail = "; ".join(f"{name}: {text}" for name, text in exc.problems.items())
        return GatewayError(Code.INVALID_PARAMS, detail or english)
    if isinstance(exc, AppUpdated):
        return GatewayError(Code.APP_UPDATED)
    if isinstance(exc, AppUnavailable):
        return GatewayError(exc.code)
    if isinstance(exc, A1Error):
        if _upstream_trouble(exc.code):
            logger.warning("Gateway: A1 could not be used (%s)", exc)
            return GatewayError(Code.SERVICE_INTERNAL_ERROR, "A1 could not be reached")
        return GatewayError(exc.code)
    if isinstance(exc, Http404):
        return GatewayError(Code.INVALID_PARAMS, "no such task for this key")
    if isinstance(exc, StorageUnavailable):
        error = GatewayError(
            Code.SERVICE_INTERNAL_ERROR,
            "file storage unavailable, try again shortly",
            "文件存储暂时不可用，请稍后再试",
        )
        error.retry_after = RETRY_AFTER_SECONDS
        return error
    if database_away(exc):
        logger.warning("Gateway: database unavailable (%s)", type(exc).__name__)
        error = GatewayError(
            Code.SERVICE_INTERNAL_ERROR,
            "briefly unavailable, try again shortly",
            "暂时不可用，请稍后再试",
        )
        error.retry_after = RETRY_AFTER_SECONDS
        return error
    logger.exception("Gateway error", exc_info=exc)
    return GatewayError(Code.SERVER_ERROR)


def _upstream_trouble(code: int) -> bool:
    """A code the script must not see: our A1 key's own, or one A1's table lacks (ours:
    the network, a timeout, an unreadable answer)."""
    return code in UPSTREAM_KEY_CODES or code < 0 or code not in Code._value2member_map_


def error_answer(exc: Exception) -> JsonResponse:
    error = gateway_error_for(exc)
    response = answer(code=error.code, detail=error.detail, detail_cn=error.detail_cn)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def a1_endpoint(method: str):
    """Answer `method` only (another one: 405 in the envelope); resolve the `apiKey`
    header to a portal key and its owner, then run the view as that person (in English:
    A1's messages carry the Chinese); every outcome is an envelope. The view gets the
    key and returns `data`."""
    return functools.partial(_endpoint, method=method)


def method_refused(method: str, allowed: str) -> JsonResponse:
    response = answer(
        code=Code.INVALID_PARAMS, detail=f"{method} is not allowed here; use {allowed}"
    )
    response.status_code = 405
    response["Allow"] = allowed
    return response


def _endpoint(view, *, method: str):
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method != method and not (method == "GET" and request.method == "HEAD"):
            return method_refused(request.method or "", method)
        with translation.override("en"):
            try:
                key = keys.key_authenticate(token=request.headers.get("apiKey", ""))
                request.user = key.user
                data = view(request, key, *args, **kwargs)
            except Exception as exc:  # every failure is an envelope, never a 500 page
                return error_answer(exc)
            return answer(data)

    return wrapper
