"""The only code that speaks HTTP to A1 (or to the sandbox, which speaks the same API).

Retry policy: app details, task queries and uploads spend no points, so they are
retried with backoff on network errors, 5xx and rate limiting. Generate and optimize
spend points: they are sent once. If they may have reached the server and we have
no answer, A1OutcomeUnknown is raised and nothing is re-sent.

The paid key goes only to A1_BASE_URL: it rides on each API request (never on the
session, which anything could reuse), and API calls never follow a redirect. A 3xx is
an error that names where it pointed (a redirect to another host would otherwise
receive the account's key; one to the same host means A1_BASE_URL is mistyped).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from a1.bounded import Deadline, TooLarge, TooSlow, read_capped, watched_session
from a1.errors import TRANSIENT_CODES, A1Error, A1OutcomeUnknown, Code
from a1.types import App, Task, Upload

logger = logging.getLogger(__name__)

API_PREFIX = "/open-api/v1/a1"
LANGUAGES = frozenset(
    [
        "zh_CN",
        "en_US",
        "zh_TW",
        "ru_RU",
        "ja_JP",
        "pt_BR",
        "es_MX",
        "de_DE",
        "id_ID",
        "tr_TR",
        "vi_VN",
        "th_TH",
        "ms_MY",
    ]
)


@dataclass(frozen=True)
class CnetValue:
    form_id: str
    image_url: str
    path: str
    position: int | None = None


@dataclass(frozen=True)
class GenerateRequest:
    """What /images/generate takes; built by the portal from an App and a filled form."""

    app_id: str
    version_id: str
    generate_num: int = 1
    cnet: tuple[CnetValue, ...] = ()
    description: tuple[tuple[str, str], ...] = ()  # (form or input id, value)
    style_id: str = ""
    size_id: str = ""

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "appId": self.app_id,
            "versionId": self.version_id,
            "generateNum": str(self.generate_num),
        }
        if self.cnet:
            body["cnet"] = [
                {"id": c.form_id, "imageUrl": c.image_url, "path": c.path}
                | ({} if c.position is None else {"position": str(c.position)})
                for c in self.cnet
            ]
        if self.description:
            body["description"] = [{"id": i, "value": v} for i, v in self.description]
        if self.style_id:
            body["styleId"] = self.style_id
        if self.size_id:
            body["size"] = {"sizeId": self.size_id}
        return body


@dataclass
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        # Full jitter keeps many workers from retrying in step.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


def image_content_type(content: bytes) -> str:
    """The content type of a PNG or a JPEG by its first bytes (what A1 takes)."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return "application/octet-stream"


class A1Client:
    """A thin, typed client (the portal builds its own in generator/runs/upstream.py)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        section: str = "",
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        download_deadline: float = 60.0,
        on_call: Callable[[str, str, float | None], None] | None = None,
        on_backoff: Callable[[str], None] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.section = section
        self.timeout = (connect_timeout, timeout)
        self.download_deadline = download_deadline
        self.retry = retry or RetryPolicy()
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "A1Studio/0.1"})
        self._key = {"apiKey": api_key}
        # Hooks for whoever counts (the portal's metrics): every call with its endpoint,
        # A1's code (or what failed on our side) and seconds; every wait after a 20000.
        self.on_call = on_call
        self.on_backoff = on_backoff

    def __repr__(self) -> str:  # never show the key
        return f"A1Client({self.base_url!r})"

    # --- endpoints -----------------------------------------------------------------

    def app(self, app_id: str, *, language: str | None = None) -> App:
        """App details, in `language` (one of A1's codes) or the publishing language."""
        app_id = str(app_id).strip()
        if not app_id.isdigit():
            raise A1Error(Code.INVALID_PARAMS, "The app id must be digits", "应用ID必须是数字")
        params = {"language": language} if language in LANGUAGES else None
        data = self._safe("GET", f"/apps/{app_id}", params=params)
        app = App.from_json(data)
        if not app.id:
            app = App.from_json({**(data or {}), "id": app_id})
        return app

    def upload_file(self, content: bytes, filename: str, content_type: str = "") -> Upload:
        """Upload one image file (png/jpg/jpeg, <= 10 MB), as form-data; its part says
        its real content type (read from the content when not given)."""
        files = {"file": (filename, content, content_type or image_content_type(content))}
        return Upload.from_json(self._safe("POST", "/images/upload", files=files))

    def upload_url(self, image_url: str) -> Upload:
        """Have A1 fetch an image from a public link: `imageUrl` as form-data, as the
        document says (a multipart field without a file name)."""
        files = {"imageUrl": (None, image_url)}
        return Upload.from_json(self._safe("POST", "/images/upload", files=files))

    def generate(self, request: GenerateRequest) -> str:
        """Start a run; returns the taskId. Sent exactly once."""
        data = self._once("POST", "/images/generate", json=request.to_json())
        return self._task_id(data, "/images/generate")

    def optimize(self, *, path: str, image_url: str) -> str:
        """Start an enhance ("optimize", 3 points); returns the taskId. Sent exactly once."""
        data = self._once("POST", "/images/optimize", json={"path": path, "imageUrl": image_url})
        return self._task_id(data, "/images/optimize")

    def task(self, task_id: str) -> Task:
        task_id = str(task_id).strip()
        headers = {"section": self.section} if self.section else None
        data = self._safe("GET", f"/tasks/{task_id}", headers=headers)
        return Task.from_json(data, task_id=task_id)

    def download(self, url: str, *, max_bytes: int = 50 * 1024 * 1024) -> bytes:
        """A result image from A1's storage. Retried; a link that is gone is LINK_EXPIRED.

        Each attempt has a total deadline (`download_deadline`) besides the read timeout,
        and stops at `max_bytes`.
        """
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                content = self._download_once(url, max_bytes)
            except A1Error as exc:
                self._observed(exc.endpoint, outcome_of(exc), started)
                attempt += 1
                if not exc.retry_safe or attempt >= self.retry.attempts:
                    raise
                self.retry.sleep(self.retry.delay(attempt - 1))
            else:
                self._observed("result download", "0", started)
                return content

    def _download_once(self, url: str, max_bytes: int) -> bytes:
        endpoint = "result download"
        deadline = Deadline(self.download_deadline)
        try:
            # No apiKey on a CDN request: the key goes only to the API.
            with (
                deadline,
                watched_session() as session,
                session.get(
                    url, timeout=self.timeout, stream=True, headers={"User-Agent": "A1Studio/0.1"}
                ) as response,
            ):
                if response.status_code in (401, 403, 404, 410):
                    raise A1Error(
                        Code.LINK_EXPIRED, http_status=response.status_code, endpoint=endpoint
                    )
                if response.status_code != 200:
                    raise A1Error(
                        Code.SERVER_ERROR,
                        http_status=response.status_code,
                        retry_safe=True,
                        endpoint=endpoint,
                    )
                return read_capped(response, max_bytes=max_bytes, deadline=deadline)
        except TooLarge:
            raise A1Error(
                Code.BAD_RESPONSE, "The image is larger than we keep", endpoint=endpoint
            ) from None
        except (TooSlow, requests.exceptions.Timeout):
            raise A1Error(Code.TIMEOUT, retry_safe=True, endpoint=endpoint) from None
        except requests.exceptions.RequestException:
            if deadline.passed:  # the deadline shut the socket mid-transfer
                raise A1Error(Code.TIMEOUT, retry_safe=True, endpoint=endpoint) from None
            raise A1Error(Code.NETWORK_ERROR, retry_safe=True, endpoint=endpoint) from None

    def reachable(self) -> bool:
        """Whether A1's host answers HTTP at all (no key sent, no points spent)."""
        try:
            requests.head(self.base_url + "/", timeout=(3, 5), allow_redirects=False)
        except requests.RequestException:
            return False
        return True

    # --- transport -----------------------------------------------------------------

    def _task_id(self, data: Any, endpoint: str) -> str:
        task_id = ""
        if isinstance(data, dict):
            raw = data.get("taskId", data.get("id"))
            task_id = "" if raw is None else str(raw).strip()
        elif isinstance(data, str | int):
            task_id = str(data)
        if not task_id:
            # Code 0 but no taskId: the points may be spent and we cannot track it.
            raise A1OutcomeUnknown(
                Code.BAD_RESPONSE,
                "A1 accepted the request but sent no task id",
                "A1 接受了请求但没有返回任务ID",
                endpoint=endpoint,
            )
        return task_id

    def _safe(self, method: str, path: str, **kwargs) -> Any:
        """A call that spends nothing: retried on network errors, 5xx and rate limiting."""
        attempt = 0
        while True:
            try:
                return self._send(method, path, **kwargs)
            except A1Error as exc:
                attempt += 1
                if not exc.retry_safe or attempt >= self.retry.attempts:
                    raise
                delay = self.retry.delay(attempt - 1, getattr(exc, "retry_after", None))
                logger.warning("%s; retry %d in %.2fs", exc, attempt, delay)
                if exc.code == Code.RATE_LIMITED and self.on_backoff:
                    self.on_backoff(endpoint_name(path))
                self.retry.sleep(delay)

    def _once(self, method: str, path: str, **kwargs) -> Any:
        """A call that spends points: sent once; doubt about delivery is A1OutcomeUnknown."""
        return self._send(method, path, spends=True, **kwargs)

    def _send(self, method: str, path: str, *, spends: bool = False, **kwargs) -> Any:
        started = time.monotonic()
        try:
            data = self._send_observed(method, path, spends=spends, **kwargs)
        except A1Error as exc:
            self._observed(endpoint_name(path), outcome_of(exc), started)
            raise
        self._observed(endpoint_name(path), "0", started)
        return data

    def _observed(self, endpoint: str, outcome: str, started: float) -> None:
        if self.on_call is not None:
            self.on_call(endpoint, outcome, time.monotonic() - started)

    def _send_observed(self, method: str, path: str, *, spends: bool, **kwargs) -> Any:
        url = f"{self.base_url}{API_PREFIX}{path}"
        headers = {**(kwargs.pop("headers", None) or {}), **self._key}
        started = time.monotonic()
        try:
            response = self.session.request(
                method, url, headers=headers, timeout=self.timeout, allow_redirects=False, **kwargs
            )
        except requests.exceptions.ConnectTimeout:
            # The connection was never made, so the request was never sent.
            raise A1Error(Code.NETWORK_ERROR, retry_safe=True, endpoint=path) from None
        except requests.exceptions.ConnectionError as exc:
            if _never_sent(exc):
                raise A1Error(Code.NETWORK_ERROR, retry_safe=True, endpoint=path) from None
            if spends:
                raise A1OutcomeUnknown(Code.NETWORK_ERROR, endpoint=path) from None
            raise A1Error(Code.NETWORK_ERROR, retry_safe=True, endpoint=path) from None
        except requests.exceptions.Timeout:
            if spends:
                raise A1OutcomeUnknown(Code.TIMEOUT, endpoint=path) from None
            raise A1Error(Code.TIMEOUT, retry_safe=True, endpoint=path) from None
        except requests.exceptions.RequestException as exc:
            # Malformed URL and the like: a configuration problem, not worth retrying.
            raise A1Error(Code.NETWORK_ERROR, type(exc).__name__, endpoint=path) from None
        elapsed = time.monotonic() - started
        if 300 <= response.status_code < 400:
            raise _redirected(response, path, spends=spends)
        return self._envelope(response, path, spends=spends, elapsed=elapsed)

    def _envelope(self, response: requests.Response, path: str, *, spends: bool, elapsed: float):
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "code" not in body:
            logger.warning("A1 %s answered HTTP %s without an envelope", path, status)
            error_cls = A1OutcomeUnknown if spends else A1Error
            code: int = Code.SERVER_ERROR if status >= 500 else Code.BAD_RESPONSE
            raise error_cls(code, http_status=status, retry_safe=not spends, endpoint=path)
        try:
            code = int(body["code"])
        except (TypeError, ValueError):
            code = Code.BAD_RESPONSE
        logger.info("A1 %s -> HTTP %s code %s in %.0f ms", path, status, code, elapsed * 1000)
        if code == Code.SUCCESS:
            return body.get("data")
        raw_msg, raw_msg_cn = body.get("msg"), body.get("msg_cn")
        msg = raw_msg if isinstance(raw_msg, str) else ""
        msg_cn = raw_msg_cn if isinstance(raw_msg_cn, str) else ""
        transient = code in TRANSIENT_CODES or status >= 500
        if spends and code in (Code.SERVER_ERROR, Code.SERVICE_INTERNAL_ERROR):
            # A server error may come after the work was done: do not assume it failed.
            raise A1OutcomeUnknown(code, msg, msg_cn, http_status=status, endpoint=path)
        error = A1Error(code, msg, msg_cn, http_status=status, retry_safe=transient, endpoint=path)
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.replace(".", "", 1).isdigit():
            error.retry_after = float(retry_after)
        raise error


def endpoint_name(path: str) -> str:
    """The endpoint a path calls, without the ids in it: `/tasks/123` is `/tasks`."""
    first = path.strip("/").split("/")[0]
    return f"/{first}" if first in ("apps", "tasks") else path


def outcome_of(exc: A1Error) -> str:
    """A1's code when it answered with one; what failed on our side otherwise."""
    ours = {
        Code.NETWORK_ERROR: "network",
        Code.TIMEOUT: "timeout",
        Code.BAD_RESPONSE: "bad_response",
        Code.LINK_EXPIRED: "link_expired",
        Code.REDIRECTED: "redirect",
    }
    return ours.get(exc.code, str(exc.code))  # type: ignore[call-overload]


def _redirected(response: requests.Response, path: str, *, spends: bool) -> A1Error:
    """A 3xx, not followed: the key stays with A1_BASE_URL. Logged with where it pointed
    (never the key). Only a 303 says a request was carried out before it pointed on, so
    only a 303 to generate or optimize leaves the outcome unknown; the rest were not
    done (and retrying cannot help: the address is wrong)."""
    target = response.headers.get("Location", "")
    logger.error(
        "A1 %s answered HTTP %s pointing to %r: not followed, the key is sent only to "
        "A1_BASE_URL. Check A1_BASE_URL.",
        path,
        response.status_code,
        target[:200],
    )
    error_cls = A1OutcomeUnknown if spends and response.status_code == 303 else A1Error
    return error_cls(Code.REDIRECTED, http_status=response.status_code, endpoint=path)


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the TCP connection itself failed, so no byte of the request left."""
    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", reason)
    return isinstance(inner, NewConnectionError)
