"""The control surface under /_sandbox/: counts, knobs, resets. Loopback only."""

from __future__ import annotations

import functools
import ipaddress
import json
from dataclasses import asdict

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .catalog import localize
from .state import Knobs, current


def loopback_only(view):
    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
        except ValueError:
            local = False
        if not local:
            return JsonResponse(
                {"error": "the control surface answers only on loopback"}, status=403
            )
        return view(request, *args, **kwargs)

    return wrapper


def _body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def catalog_json() -> list[dict]:
    return [
        {
            "id": app.id,
            "versionId": app.version_id,
            "name": localize(app.name, "en_US", "en_US"),
            "cases": list(app.cases),
            "appType": app.app_type,
            "nodeNum": app.node_num,
        }
        for app in current().catalog.values()
    ]


@loopback_only
@require_http_methods(["GET"])
def stats(request: HttpRequest) -> JsonResponse:
    return JsonResponse(current().stats())


@loopback_only
@require_http_methods(["GET"])
def catalog(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"apps": catalog_json()})


@loopback_only
@require_http_methods(["GET", "POST"])
def knobs(request: HttpRequest) -> JsonResponse:
    sb = current()
    if request.method == "POST":
        try:
            sb.set_knobs(_body(request))
        except ValueError as exc:
            return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(asdict(sb.knobs))


@loopback_only
@require_http_methods(["POST"])
def reset(request: HttpRequest) -> JsonResponse:
    """Back to the start: state cleared, knobs as started (or as given)."""
    sb = current()
    try:
        values = _body(request)
        sb.reset(Knobs.from_mapping(values, base=sb.start_knobs) if values else None)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"ok": True})


@loopback_only
@require_http_methods(["POST"])
def bump_version(request: HttpRequest, app_id: str) -> JsonResponse:
    """A new versionId; optionally a changed form, as an author's edit would make it:
    {"remove": [form or input ids], "retype": {form id: type}, "add": [form objects]}."""
    sb = current()
    try:
        body = _body(request)
        remove = {str(i) for i in body.get("remove") or []}
        retype = {str(k): str(v) for k, v in (body.get("retype") or {}).items()}
        add = [dict(form) for form in body.get("add") or []]
    except (ValueError, TypeError, AttributeError):
        return JsonResponse(
            {"error": "send remove (list), retype (object), add (list)"}, status=400
        )
    with sb.lock:
        app = sb.catalog.get(app_id)
        if app is None:
            return JsonResponse({"error": "no such app"}, status=404)
        app.version_id = str(int(app.version_id) + 1)
        forms = []
        for form in app.forms:
            if form["id"] in remove:
                continue
            form = {**form, "type": retype.get(form["id"], form["type"])}
            if form.get("inputs"):
                form["inputs"] = [i for i in form["inputs"] if i["id"] not in remove]
            forms.append(form)
        app.forms = forms + add
    return JsonResponse({"id": app.id, "versionId": app.version_id})


@loopback_only
@require_http_methods(["POST"])
def balance(request: HttpRequest) -> JsonResponse:
    """Set a key's balance: {"key": "sandbox", "points": 2}."""
    sb = current()
    try:
        body = _body(request)
        points = int(body["points"])
        key = str(body.get("key") or sb.api_keys[0])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'send {"key": ..., "points": <int>}'}, status=400)
    with sb.lock:
        sb.balances[key] = points
    return JsonResponse({"key": key, "points": points})


@loopback_only
@require_http_methods(["GET"])
def tasks(request: HttpRequest) -> JsonResponse:
    """Every task's id and parameters: a suite matches the tasks it did not record (a
    worker killed between A1's answer and its write) to the runs that sent them."""
    sb = current()
    with sb.lock:
        return JsonResponse(
            {"tasks": [{"id": t.id, "params": t.params} for t in sb.tasks.values()]}
        )


@loopback_only
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, task_id: str) -> JsonResponse:
    """GET a task's record; POST {"state": "completed"|"failed"} to end it now."""
    sb = current()
    with sb.lock:
        record = sb.tasks.get(task_id)
        if record is None:
            return JsonResponse({"error": "no such task"}, status=404)
        if request.method == "POST":
            state = _body(request).get("state")
            if state not in {"completed", "failed"}:
                return JsonResponse({"error": "state is completed or failed"}, status=400)
            record.finish_now(failed=state == "failed")
        return JsonResponse(
            {
                "id": record.id,
                "kind": record.kind,
                "appId": record.app_id,
                "cost": record.cost,
                "count": record.count,
                "created": record.created,
                "finishesAt": record.finishes_at,
                "willFail": record.will_fail,
                "params": record.params,
            }
        )


@loopback_only
@require_http_methods(["POST"])
def files_gate(request: HttpRequest) -> JsonResponse:
    """{"open": false} makes result downloads wait (up to 30 s) until {"open": true}."""
    sb = current()
    if _body(request).get("open", True):
        sb.files_gate.set()
    else:
        sb.files_gate.clear()
    return JsonResponse({"open": sb.files_gate.is_set(), "waiting": sb.files_waiting})


@require_http_methods(["GET", "HEAD"])
def root(request: HttpRequest) -> JsonResponse:
    """The host's front door: enough for a reachability check."""
    return JsonResponse({"service": "A1 sandbox"})
