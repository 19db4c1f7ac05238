"""The five A1 endpoints, answering with A1's envelope, rules and error codes."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from a1.errors import MESSAGES, Code

from . import dialects, files, images, rules
from .catalog import localize
from .state import Sandbox, SandboxError, current

logger = logging.getLogger("sandbox")
SPENDING = {"generate", "optimize"}


def envelope(data=None, code: int = 0, http_status: int = 200, detail: str = "") -> JsonResponse:
    msg, msg_cn = MESSAGES.get(Code(code), (f"error {code}", f"错误 {code}"))
    if detail and code:
        msg = f"{msg}: {detail}"
    body = {"code": code, "msg": msg, "msg_cn": msg_cn, "data": data}
    response = JsonResponse(body, status=http_status, json_dumps_params={"ensure_ascii": False})
    if code == Code.RATE_LIMITED:
        response["Retry-After"] = "1"
    return response


def _drop(request: HttpRequest) -> HttpResponse:
    """Cut the connection without an answer, as a failing network would."""
    sock = request.META.get("sandbox.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        return HttpResponse(status=204)
    # Served by a server that does not expose its socket: the nearest thing.
    return HttpResponse(b"<html>502 Bad Gateway</html>", status=502, content_type="text/html")


def _garbage() -> HttpResponse:
    """A body cut short mid-JSON, as a broken proxy or a crashed upstream sends."""
    return HttpResponse(
        b'{"code": 0, "msg": "success", "data": {"task', content_type="application/json"
    )


def a1_endpoint(name: str) -> Callable:
    """Key check, call counting, rate limiting and fault injection around an endpoint."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            sb = current()
            key = request.headers.get("apiKey", "").strip()
            sb.count(name, key or "-", request.headers.get("section", ""))
            knobs = sb.knobs
            try:
                if not key:
                    raise SandboxError(10410)
                if key not in sb.api_keys:
                    raise SandboxError(10411)
                sb.check_rate(key)
                faulty = sb.take_fault(name)
                if faulty and sb.chance(knobs.error_rate):
                    # The run service fails "internally"; the gateway, plainly.
                    if name in SPENDING:
                        raise SandboxError(20003, http_status=503)
                    raise SandboxError(20002, http_status=500)
                if faulty and name not in SPENDING:
                    if sb.chance(knobs.drop_rate):
                        return _drop(request)
                    if sb.chance(knobs.garbage_rate):
                        return _garbage()
                data = view(request, sb, key, *args, **kwargs)
            except SandboxError as exc:
                logger.info("sandbox %s -> %s %s", name, exc.code, exc.detail)
                return envelope(code=exc.code, http_status=exc.http_status, detail=exc.detail)
            if faulty and knobs.latency:
                time.sleep(knobs.latency)  # after the work: a timeout leaves it done
            if faulty and name in SPENDING:
                # The points are spent; the caller never hears it.
                if sb.chance(knobs.drop_rate):
                    return _drop(request)
                if sb.chance(knobs.garbage_rate):
                    return _garbage()
            return envelope(data)

        return wrapper

    return decorate


def _host(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_GET
@a1_endpoint("app")
def app_details(request: HttpRequest, sb: Sandbox, key: str, app_id: str):
    app = rules.app_for_key(sb, key, app_id)
    language = request.GET.get("language", "")
    host = _host(request)
    app_forms = [
        {k: v for k, v in form.items() if k not in {"effect", "tint"}} for form in app.forms
    ]
    data = {
        "id": app.id,
        "versionId": app.version_id,
        "name": app.name,
        "description": app.description,
        "cover": f"{host}/files/assets/cover-{app.id}.jpg",
        "appType": app.app_type,
        "nodeNum": app.node_num,
        "formArr": app_forms,
        "styleArr": [
            {"id": s["id"], "name": s["name"], "image": f"{host}/files/assets/style-{s['id']}.jpg"}
            for s in app.styles
        ],
    }
    if not sb.knobs.kind_fields:
        del data["appType"], data["nodeNum"]
    if not sb.knobs.position_fields:
        for form in app_forms:
            form.pop("positionNum", None)
    return dialects.app(localize(data, language, app.publish_language), sb.knobs.dialects)


@require_POST
@a1_endpoint("upload")
def upload(request: HttpRequest, sb: Sandbox, key: str):
    files = [f for name in request.FILES for f in request.FILES.getlist(name)]
    image_url = request.POST.get("imageUrl", "").strip()
    if len(files) + bool(image_url) > 1:
        raise SandboxError(400001)
    part = (files[0].content_type or "") if files else "imageUrl" if image_url else ""
    sb.note_upload_form(request.content_type or "", part)
    if files:
        upload_file = files[0]
        if (upload_file.size or 0) > images.MAX_BYTES:
            raise SandboxError(400003)
        content = upload_file.read()
        fmt, size = images.check_image(
            content, upload_file.name or "", max_side=sb.knobs.upload_max_side
        )
    elif image_url:
        fmt, size, content = _fetch(image_url, max_side=sb.knobs.upload_max_side)
    else:
        raise SandboxError(400000)
    record = sb.add_upload(key, content, fmt, size)
    ext = record.file.suffix[1:]
    return {"imageUrl": f"{_host(request)}/files/uploads/{record.id}.{ext}", "path": record.path}


def _fetch(url: str, *, max_side: int):
    """Fetch an image by link, as A1 does, with a timeout and a size cap."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise SandboxError(10001, detail="imageUrl must be an http(s) link")
    try:
        with requests.get(url, timeout=(3, 10), stream=True) as response:
            if response.status_code != 200:
                raise SandboxError(20100, detail=f"link answered HTTP {response.status_code}")
            content = response.raw.read(images.MAX_BYTES + 1, decode_content=True)
    except requests.RequestException:
        raise SandboxError(20100, detail="the link could not be fetched") from None
    fmt, size = images.check_image(content, None, max_side=max_side)
    return fmt, size, content


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise SandboxError(10001, detail="the body is not JSON") from None
    if not isinstance(body, dict):
        raise SandboxError(10001, detail="the body must be a JSON object")
    return body


@require_POST
@a1_endpoint("generate")
def generate(request: HttpRequest, sb: Sandbox, key: str):
    checked = rules.validate_generate(sb, key, _json_body(request))
    task = sb.add_task(
        key=key,
        kind="generate",
        app_id=checked["app"].id,
        params=checked["params"],
        cost=checked["cost"],
        count=checked["count"],
    )
    files.schedule_render(sb, task)
    return {"taskId": task.id}


@require_POST
@a1_endpoint("optimize")
def optimize(request: HttpRequest, sb: Sandbox, key: str):
    record = rules.validate_optimize(sb, key, _json_body(request))
    task = sb.add_task(
        key=key, kind="optimize", app_id="", params={"upload": record.id}, cost=3, count=1
    )
    files.schedule_render(sb, task)
    return {"taskId": task.id}


@require_GET
@a1_endpoint("task")
def task_query(request: HttpRequest, sb: Sandbox, key: str, task_id: str):
    with sb.lock:
        task = sb.tasks.get(task_id)
        if task is None or task.key != key:
            raise SandboxError(10001, detail="no such task for this key")
        now = time.time()
        sb.settle(task, now)
        state = task.state(now)
    host = _host(request)
    urls = (
        [f"{host}/files/results/{task.id}/{n}.jpg" for n in range(task.count)]
        if state == "completed"
        else []
    )
    progress = (now - task.created) / task.duration if task.duration else 1.0
    return dialects.task(
        task_id=task.id,
        state=state,
        images=urls,
        created=task.created,
        finished=task.finishes_at if state != "processing" else None,
        progress=progress,
        fail_reason="The image could not be generated (sandbox failure)"
        if state == "failed"
        else "",
        dialects=sb.knobs.dialects,
    )
