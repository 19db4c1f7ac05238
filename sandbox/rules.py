"""What A1 checks before it accepts a generate or an optimize, in A1's order."""

from __future__ import annotations

from .catalog import CatalogApp
from .state import Sandbox, SandboxError, UploadRecord

SIZE_IDS = {"1", "2", "3", "4", "5", "6", "7"}


def _str(value) -> str:
    return "" if value is None else str(value).strip()


def app_for_key(sb: Sandbox, key: str, app_id: str) -> CatalogApp:
    """The app, or the code A1 gives for an app this key cannot use."""
    app = sb.catalog.get(_str(app_id))
    if app is None:
        raise SandboxError(324012)
    if app.api_disabled:
        raise SandboxError(324010)
    if app.unpublished:
        raise SandboxError(324018)
    vip_keys = {k.strip() for k in sb.knobs.vip_keys.split(",") if k.strip()}
    if app.vip and key not in vip_keys:
        raise SandboxError(324019)
    return app


def _upload(sb: Sandbox, key: str, item: dict) -> UploadRecord:
    record = sb.find_upload(key, _str(item.get("imageUrl")), _str(item.get("path")))
    if record is None:
        raise SandboxError(10001, detail="images must be uploaded through this API first")
    return record


def validate_generate(sb: Sandbox, key: str, body: dict) -> dict:
    """Check a generate body; return what the task needs. Raises SandboxError."""
    if not _str(body.get("appId")):
        raise SandboxError(10001, detail="appId is required")
    app = app_for_key(sb, key, body["appId"])
    if _str(body.get("versionId")) != app.version_id:
        raise SandboxError(324013)
    try:
        count = int(_str(body.get("generateNum")))
    except ValueError:
        raise SandboxError(324011) from None
    if not 1 <= count <= 4 or (app.app_type == "node" and count != 1):
        raise SandboxError(324011)

    params: dict = {"photos": [], "prompt": "", "effect": "", "tint": "#ffffff", "size_id": ""}
    for form in app.forms:
        kind = form["type"]
        if kind == "cnet":
            params["photos"] = _cnet(sb, key, form, body.get("cnet"))
        elif kind == "description":
            params["prompt"] = _description(form, body.get("description"))
        elif kind == "style":
            style = app.style(_str(body.get("styleId")))
            if style is None:
                raise SandboxError(10001, detail="styleId is not one of styleArr")
            params["effect"], params["tint"] = style["effect"], style["tint"]
        elif kind == "size":
            size = body.get("size")
            size_id = _str(size.get("sizeId")) if isinstance(size, dict) else ""
            if size_id not in SIZE_IDS:
                raise SandboxError(10001, detail="size.sizeId must be 1 to 7")
            params["size_id"] = size_id
        elif form.get("required", True):
            raise SandboxError(10001, detail=f"form type {kind} cannot be filled")
    return {"app": app, "count": count, "params": params, "cost": app.cost(count)}


def _cnet(sb: Sandbox, key: str, form: dict, items) -> list[str]:
    items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    mine = [i for i in items if _str(i.get("id")) == form["id"]]
    if len(mine) != len(items):
        raise SandboxError(10001, detail="cnet id is not a cnet form of this app")
    positions = int(form.get("positionNum") or 0)
    if positions:
        try:
            seen = sorted(int(_str(i.get("position"))) for i in mine)
        except ValueError:
            raise SandboxError(10001, detail="cnet position must be a number") from None
        if seen != list(range(positions)):
            raise SandboxError(10001, detail=f"group photo needs positions 0..{positions - 1}")
        mine.sort(key=lambda i: int(_str(i.get("position"))))
    elif len(mine) != 1:
        raise SandboxError(10001, detail="exactly one image is needed for this form")
    return [_upload(sb, key, item).id for item in mine]


def _description(form: dict, items) -> str:
    items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    inputs = form.get("inputs") or []
    allowed = {i["id"] for i in inputs} if inputs else {form["id"]}
    values = {}
    for item in items:
        item_id = _str(item.get("id"))
        if item_id not in allowed:
            raise SandboxError(
                10001, detail=f"description id {item_id} is not an input of this app"
            )
        value = _str(item.get("value"))
        if len(value) > 1000:
            raise SandboxError(10001, detail="description is longer than 1000 characters")
        values[item_id] = value
    missing = [i["id"] for i in inputs if i.get("required") and not values.get(i["id"])]
    if missing or (form.get("required", True) and not any(values.values())):
        raise SandboxError(10001, detail="a description value is required")
    return " · ".join(v for v in values.values() if v)


def validate_optimize(sb: Sandbox, key: str, body: dict) -> UploadRecord:
    if not _str(body.get("path")) or not _str(body.get("imageUrl")):
        raise SandboxError(10001, detail="path and imageUrl are required")
    record = _upload(sb, key, body)
    if record.width > 2048 or record.height > 2048:
        raise SandboxError(400006)
    return record
