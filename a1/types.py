"""Typed values returned by the A1 client, and the tolerant reader that builds them.

A1's data structures are only partly documented (see shared/a1-protocol.md), so the
reader accepts every variant we know of and never fails on an extra or missing
optional field. Ids are always strings: they exceed 2^53.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

logger = logging.getLogger(__name__)
_unsupported_seen: set[str] = set()

LABEL_KEYS = ("name", "label", "title")
IMAGE_KEYS = ("image", "url", "cover", "imageUrl", "thumbnail")
KNOWN_FORM_TYPES = frozenset({"cnet", "description", "style", "size"})

# sizeId -> (label, width ratio, height ratio), in the documented order.
SIZES: dict[str, tuple[str, int, int]] = {
    "1": ("1:1", 1, 1),
    "2": ("3:4", 3, 4),
    "3": ("1:2", 1, 2),
    "4": ("4:3", 4, 3),
    "5": ("2:1", 2, 1),
    "6": ("16:9", 16, 9),
    "7": ("9:16", 9, 16),
}


def as_id(value: Any, *, where: str) -> str:
    """An id as a string; numbers are converted (losslessly: Python ints are exact)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        logger.warning("A1 sent a boolean id at %s; treating it as text", where)
        return str(value).lower()
    if isinstance(value, int):
        logger.warning("A1 sent a numeric id at %s; converted to a string", where)
        return str(value)
    if isinstance(value, float):
        logger.warning("A1 sent a float id at %s; precision may be lost", where)
        return str(int(value)) if value.is_integer() else str(value)
    return str(value).strip()


def _text(data: dict, keys: tuple[str, ...], default: str = "") -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return default


def _url(data: dict, keys: tuple[str, ...]) -> str:
    """An http(s) link or nothing: a javascript: or data: "image" is never passed on."""
    url = _text(data, keys)
    return url if url.lower().startswith(("https://", "http://")) else ""


def _bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Input:
    id: str
    name: str = ""
    placeholder: str = ""
    default: str = ""
    required: bool = False
    max_length: int = 0

    @classmethod
    def from_json(cls, data: dict, *, where: str) -> Input:
        return cls(
            id=as_id(data.get("id"), where=f"{where}.id"),
            name=_text(data, LABEL_KEYS),
            placeholder=_text(data, ("placeholder", "hint", "tips")),
            default=_text(data, ("default", "defaultValue", "value")),
            required=_bool(data.get("required")),
            max_length=_int(data.get("maxLength") or data.get("max_length")),
        )


@dataclass(frozen=True)
class Form:
    id: str
    type: str
    name: str = ""
    required: bool = True
    inputs: tuple[Input, ...] = ()
    positions: int = 0  # group photos: how many faces (cnet position 0..n-1)
    image: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def supported(self) -> bool:
        return self.type in KNOWN_FORM_TYPES

    @classmethod
    def from_json(cls, data: dict, *, where: str) -> Form:
        form_id = as_id(data.get("id"), where=f"{where}.id")
        inputs = tuple(
            Input.from_json(item, where=f"{where}.inputs[{i}]")
            for i, item in enumerate(_list(data.get("inputs")))
            if isinstance(item, dict)
        )
        form_type = str(data.get("type") or "").strip()
        if form_type not in KNOWN_FORM_TYPES:
            # Said once per type and process: stored definitions are read again on every
            # view of an app page, and the form already tells the user.
            level = logging.DEBUG if form_type in _unsupported_seen else logging.WARNING
            _unsupported_seen.add(form_type)
            logger.log(level, "A1 app form %s has unsupported type %r", where, form_type)
        return cls(
            id=form_id,
            type=form_type,
            name=_text(data, LABEL_KEYS),
            required=_bool(data.get("required"), default=True),
            inputs=inputs,
            positions=_int(data.get("positionNum") or data.get("positions")),
            image=_url(data, IMAGE_KEYS),
            raw=data,
        )


@dataclass(frozen=True)
class Style:
    id: str
    name: str = ""
    image: str = ""

    @classmethod
    def from_json(cls, data: dict, *, where: str) -> Style:
        return cls(
            id=as_id(data.get("id"), where=f"{where}.id"),
            name=_text(data, LABEL_KEYS),
            image=_url(data, IMAGE_KEYS),
        )


@dataclass(frozen=True)
class App:
    id: str
    version_id: str
    name: str = ""
    description: str = ""
    cover: str = ""
    app_type: str = "form"  # "form" or "node"
    node_num: int = 0
    forms: tuple[Form, ...] = ()
    styles: tuple[Style, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    # Not in A1's answer: the document says a form app costs 1 point per image. A portal
    # whose staff learn otherwise corrects it (with the kind and nodeNum) on its side.
    points_per_image: int = 1

    @property
    def is_node(self) -> bool:
        return self.app_type == "node" or self.node_num > 0

    @property
    def unsupported_forms(self) -> tuple[Form, ...]:
        return tuple(f for f in self.forms if not f.supported)

    @property
    def generatable(self) -> bool:
        """False when a required form is of a type the API client cannot fill."""
        return not any(f.required for f in self.unsupported_forms)

    @property
    def max_images(self) -> int:
        return 1 if self.is_node else 4

    def cost(self, generate_num: int = 1) -> int:
        """Points for one run: form apps 1 per image (`points_per_image`), node apps one
        per generator node (`nodeNum`; 1 when A1 does not say)."""
        if self.is_node:
            return max(self.node_num, 1)
        return max(generate_num, 1) * max(self.points_per_image, 1)

    def to_json(self) -> dict:
        """The app in the sandbox's documented dialect: what we store and read back."""
        return {
            "id": self.id,
            "versionId": self.version_id,
            "name": self.name,
            "description": self.description,
            "cover": self.cover,
            "appType": self.app_type,
            "nodeNum": self.node_num,
            "formArr": [
                {
                    "id": f.id,
                    "type": f.type,
                    "name": f.name,
                    "required": f.required,
                    "positionNum": f.positions,
                    "image": f.image,
                    "inputs": [
                        {
                            "id": i.id,
                            "name": i.name,
                            "placeholder": i.placeholder,
                            "default": i.default,
                            "required": i.required,
                            "maxLength": i.max_length,
                        }
                        for i in f.inputs
                    ],
                }
                for f in self.forms
            ],
            "styleArr": [{"id": s.id, "name": s.name, "image": s.image} for s in self.styles],
        }

    def forms_of(self, form_type: str) -> tuple[Form, ...]:
        return tuple(f for f in self.forms if f.type == form_type)

    @classmethod
    def from_json(cls, data: Any) -> App:
        data = _dict(data)
        app_id = as_id(data.get("id") or data.get("appId"), where="app.id")
        forms = tuple(
            Form.from_json(item, where=f"app.formArr[{i}]")
            for i, item in enumerate(_list(data.get("formArr")))
            if isinstance(item, dict)
        )
        styles = tuple(
            Style.from_json(item, where=f"app.styleArr[{i}]")
            for i, item in enumerate(_list(data.get("styleArr")))
            if isinstance(item, dict)
        )
        app_type = str(data.get("appType") or data.get("type") or "form").strip().lower()
        return cls(
            id=app_id,
            version_id=as_id(data.get("versionId"), where="app.versionId"),
            name=_text(data, LABEL_KEYS),
            description=_text(data, ("description", "desc", "intro")),
            cover=_url(data, ("cover", "image", "url", "imageUrl", "thumbnail")),
            app_type="node" if app_type == "node" else "form",
            node_num=_int(data.get("nodeNum")),
            forms=forms,
            styles=styles,
            raw=data,
        )


@dataclass(frozen=True)
class Upload:
    image_url: str
    path: str
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any) -> Upload:
        data = _dict(data)
        return cls(
            image_url=_text(data, ("imageUrl", "url")), path=_text(data, ("path",)), raw=data
        )


class TaskState(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    PROCESSING = "processing"  # anything A1 has not told us is finished

    @property
    def finished(self) -> bool:
        return self is not TaskState.PROCESSING

    @classmethod
    def from_raw(cls, value: Any) -> TaskState:
        code = _int(value, default=-1)
        if code == 10:
            return cls.COMPLETED
        if code == 20:
            return cls.FAILED
        if code != 30:
            logger.info("A1 task state %r is not one we know; treating it as unfinished", value)
        return cls.PROCESSING


def parse_date(value: Any) -> datetime | None:
    """ISO-8601, epoch seconds or milliseconds, or null."""
    if value in (None, "", 0):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            return datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            logger.info("A1 date %r is in no format we know", value)
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _image_urls(value: Any) -> tuple[str, ...]:
    urls = []
    for item in _list(value):
        if isinstance(item, str) and item.strip():
            urls.append(item.strip())
        elif isinstance(item, dict):
            url = _text(item, ("url", "imageUrl", "image", "src"))
            if url:
                urls.append(url)
    return tuple(urls)


@dataclass(frozen=True)
class Task:
    id: str
    state: TaskState
    raw_state: str
    images: tuple[str, ...] = ()
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    fail_reason: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: Any, *, task_id: str = "") -> Task:
        data = _dict(data)
        raw_state = data.get("state", data.get("status"))
        return cls(
            id=as_id(data.get("id") or data.get("taskId"), where="task.id") or task_id,
            state=TaskState.from_raw(raw_state),
            raw_state="" if raw_state is None else str(raw_state),
            images=_image_urls(data.get("images")),
            created_at=parse_date(data.get("createDate")),
            started_at=parse_date(data.get("startDate")),
            finished_at=parse_date(data.get("finishDate")),
            fail_reason=_text(data, ("failReason", "reason", "errorMsg", "message")),
            raw=data,
        )
