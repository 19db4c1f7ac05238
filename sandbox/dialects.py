"""Response dialects: the shapes of A1 data the portal's tolerant reader must accept.

`standard` is the shape documented in shared/a1-protocol.md. The others each apply
one family of variants seen or feared in the wild; several may be combined.
"""

from __future__ import annotations

from datetime import UTC, datetime

ID_KEYS = {"id", "versionId", "taskId"}


def _rename(data: dict, old: str, new: str) -> None:
    if old in data:
        data[new] = data.pop(old)


def _numeric_ids(value):
    if isinstance(value, dict):
        return {
            k: int(v) if k in ID_KEYS and isinstance(v, str) and v.isdigit() else _numeric_ids(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_numeric_ids(v) for v in value]
    return value


def app(data: dict, dialects: set[str]) -> dict:
    if "labels" in dialects:
        _rename(data, "name", "title")
        _rename(data, "cover", "imageUrl")
        for form in data.get("formArr") or []:
            _rename(form, "name", "label")
            for item in form.get("inputs") or []:
                _rename(item, "name", "title")
        for style in data.get("styleArr") or []:
            _rename(style, "name", "label")
            _rename(style, "image", "thumbnail")
    if "sparse" in dialects:
        data.pop("description", None)
        for key in ("formArr", "styleArr"):
            if not data.get(key):
                data[key] = None
        for form in data.get("formArr") or []:
            if form.get("required") is True:
                del form["required"]
            form["uiHints"] = {"width": "full", "nested": [1, {"x": None}]}
        data["tags"] = ["sandbox", {"unknown": True}]
        data["stats"] = {"runs": 12345, "likes": None}
    if "hostile" in dialects:
        # What a careless or malicious app author could publish.
        data["name"] = f"<script>alert('app')</script>{data.get('name', '')}"
        data["description"] = "<img src=x onerror=alert('desc')>" + "very long text " * 200
        for form in data.get("formArr") or []:
            form["name"] = f"<b onmouseover=alert('form')>{form.get('name', '')}</b>" + "x" * 300
            for item in form.get("inputs") or []:
                item["placeholder"] = "\"><script>alert('ph')</script>"
        for style in data.get("styleArr") or []:
            style["name"] = f"</label><script>alert('style')</script>{style.get('name', '')}"
            style["image"] = "javascript:alert('img')"
        data["cover"] = "javascript:alert('cover')"
    if "numeric" in dialects:
        data = _numeric_ids(data)
    return data


def _date(timestamp: float | None, dialects: set[str]):
    if timestamp is None:
        return None
    if "objects" in dialects:
        return int(timestamp * 1000)
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="milliseconds")


def task(
    *,
    task_id: str,
    state: str,
    images: list[str],
    created: float,
    finished: float | None,
    progress: float,
    fail_reason: str,
    dialects: set[str],
) -> dict:
    codes = {"completed": 10, "failed": 20, "processing": 30}
    code = codes[state]
    if state == "processing" and "states" in dialects and progress < 0.5:
        code = 0  # a "queued" value the documented enum may hold
    data = {
        "id": task_id,
        "state": code,
        "images": [{"url": u, "width": None} for u in images] if "objects" in dialects else images,
        "createDate": _date(created, dialects),
        "startDate": _date(created, dialects),
        "finishDate": _date(finished, dialects),
    }
    if fail_reason:
        data["failReason"] = fail_reason
    if "states" in dialects or "sparse" in dialects:
        data["queuePosition"] = 0
        data["extra"] = {"gpu": "sandbox"}
    if "sparse" in dialects and not images:
        data.pop("images")
    if "numeric" in dialects:
        data = _numeric_ids(data)
    return data
