"""The sandbox's own state: knobs, balances, uploads, tasks and call counts.

It lives in this process's memory (uploaded files go to SANDBOX_DATA_DIR) and never
in the portal's database. One lock guards it; the server is threaded.
"""

from __future__ import annotations

import hashlib
import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from django.conf import settings

from .catalog import CatalogApp, fresh_catalog

DIALECTS = ("standard", "labels", "numeric", "sparse", "objects", "states", "hostile")
ENDPOINTS = ("app", "upload", "generate", "optimize", "task", "files")


class SandboxError(Exception):
    """An A1 error code the sandbox answers with."""

    def __init__(self, code: int, http_status: int = 200, detail: str = ""):
        super().__init__(f"{code} {detail}".strip())
        self.code = code
        self.http_status = http_status
        self.detail = detail


@dataclass
class Knobs:
    """Everything a test or benchmark may turn. Env: SANDBOX_<NAME upper-cased>."""

    task_seconds: float = 6.0  # how long a task stays "processing"
    failure_rate: float = 0.0  # share of tasks that end in state 20
    error_rate: float = 0.0  # share of calls answered with HTTP 500 / code 20002
    drop_rate: float = 0.0  # share of calls whose connection is cut without an answer
    garbage_rate: float = 0.0  # share of calls answered with truncated, unparsable JSON
    latency: float = 0.0  # seconds added before every answer (to provoke timeouts)
    rate_limit: int = 0  # calls per second per key before 20000; 0 = unlimited
    throttle_seconds: float = 0.0  # answer every call with 20000 for this long from now
    balance: int = 1000  # starting points for each key
    url_lifetime: float = 3600.0  # seconds a result URL works after the task finishes
    dialect: str = "standard"  # comma-separated DIALECTS
    faults_on: str = "*"  # comma-separated ENDPOINTS the fault knobs apply to
    fault_calls: int = 0  # >0: the fault knobs hit only the next N calls (a burst); 0 = all
    vip_keys: str = ""  # comma-separated keys that may use VIP apps
    seed: int = 0  # 0 = random; any other value makes faults reproducible
    # The document states 2048x2048 for optimize, and lists 400006 among upload codes:
    # whether A1 refuses larger uploads is unknown, so both readings stay testable.
    upload_max_side: int = 2048  # pixels a side an upload may have; 0 = any size
    # appType and nodeNum are the sandbox's names; the document names no field for a
    # node app's kind or cost. 0 leaves them out of app details (A1 may not send them).
    kind_fields: int = 1
    # positionNum (a group photo's people) is the sandbox's name too: 0 leaves it out.
    position_fields: int = 1

    @classmethod
    def from_mapping(cls, values: dict, base: Knobs | None = None) -> Knobs:
        """Validated knobs; an unknown name or a bad value raises ValueError."""
        knobs = cls(**asdict(base)) if base else cls()
        types = {f.name: str(f.type) for f in fields(cls)}  # annotations are strings here
        for name, raw in values.items():
            if name not in types:
                raise ValueError(f"unknown knob {name!r}; known: {', '.join(types)}")
            kind = {"float": float, "int": int, "str": str}[types[name]]
            try:
                value = kind(raw)
            except (TypeError, ValueError):
                raise ValueError(f"knob {name}={raw!r} is not a {types[name]}") from None
            if kind in (int, float) and value < 0:
                raise ValueError(f"knob {name}={raw!r} must not be negative")
            if name.endswith("_rate") and value > 1:
                raise ValueError(f"knob {name}={raw!r} is a share between 0 and 1")
            if name == "dialect":
                unknown = set(_split(value)) - set(DIALECTS) - {"all"}
                if unknown:
                    raise ValueError(f"unknown dialect {sorted(unknown)}; known: {DIALECTS}")
            if name == "faults_on":
                unknown = set(_split(value)) - set(ENDPOINTS) - {"*"}
                if unknown:
                    raise ValueError(f"unknown endpoint {sorted(unknown)}; known: {ENDPOINTS}")
            setattr(knobs, name, value)
        return knobs

    @classmethod
    def from_env(cls, environ=os.environ) -> Knobs:
        prefix = "SANDBOX_"
        names = {f.name for f in fields(cls)}
        values = {
            key[len(prefix) :].lower(): value
            for key, value in environ.items()
            if key.startswith(prefix) and key[len(prefix) :].lower() in names
        }
        return cls.from_mapping(values)

    @property
    def dialects(self) -> set[str]:
        chosen = set(_split(self.dialect))
        # "all" is every tolerable variant; "hostile" is opt-in (it changes the texts).
        return set(DIALECTS) - {"hostile"} if "all" in chosen else chosen

    def faults_apply(self, endpoint: str) -> bool:
        targets = set(_split(self.faults_on))
        return "*" in targets or endpoint in targets


def _split(value: str) -> list[str]:
    return [part.strip() for part in str(value).split(",") if part.strip()]


@dataclass
class UploadRecord:
    id: str
    key: str
    path: str
    file: Path
    format: str
    width: int
    height: int


@dataclass
class TaskRecord:
    id: str
    key: str
    kind: str  # "generate" or "optimize"
    app_id: str
    params: dict
    cost: int
    created: float
    duration: float
    will_fail: bool
    count: int = 1
    refunded: bool = False
    rendered_at: float | None = None  # when its images were ready (A1's GPU work)
    files: list = field(default_factory=list, repr=False)
    render: Future[None] | None = field(default=None, repr=False, compare=False)

    @property
    def finishes_at(self) -> float:
        """When the task is (or will be) complete: its time is up and its images exist."""
        due = self.created + self.duration
        if self.will_fail or self.rendered_at is None:
            return due
        return max(due, self.rendered_at)

    def finish_now(self, *, failed: bool) -> None:
        """Used by the control surface to end a task early (waiting for its images)."""
        self.duration = max(0.0, time.time() - self.created)
        self.will_fail = failed
        if not failed and self.render is not None:
            self.render.result(timeout=60)

    def state(self, now: float) -> str:
        if now < self.created + self.duration:
            return "processing"
        if self.will_fail:
            return "failed"
        return "completed" if self.rendered_at is not None else "processing"


@dataclass
class Sandbox:
    """All mutable sandbox state, behind one lock."""

    api_keys: tuple[str, ...]
    data_dir: Path
    knobs: Knobs
    start_knobs: Knobs = field(init=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self):
        self.start_knobs = Knobs(**asdict(self.knobs))
        # Result downloads wait while the gate is closed: tests use it to act while a
        # portal worker is in the middle of copying, without guessing at timings.
        self.files_gate = threading.Event()
        self.files_waiting = 0
        self.reset()

    def wait_at_files_gate(self, timeout: float = 30.0) -> None:
        if self.files_gate.is_set():
            return
        with self.lock:
            self.files_waiting += 1
        try:
            self.files_gate.wait(timeout)
        finally:
            with self.lock:
                self.files_waiting -= 1

    def reset(self, knobs: Knobs | None = None) -> None:
        with self.lock:
            self.knobs = Knobs(**asdict(knobs or self.start_knobs))
            self.catalog: dict[str, CatalogApp] = fresh_catalog()
            self.uploads: dict[str, UploadRecord] = {}
            self.tasks: dict[str, TaskRecord] = {}
            self.calls: Counter = Counter()
            self.calls_by_key: dict[str, Counter] = defaultdict(Counter)
            self.sections: Counter = Counter()  # `section` header values seen, per endpoint
            # How uploads arrived: "<request content type> <part>" (the file part's own
            # content type, or "imageUrl"), so tests see what a client really sends.
            self.upload_forms: Counter = Counter()
            self.spent: Counter = Counter()
            self.balances: dict[str, int] = {}
            self.buckets: dict[str, tuple[float, float]] = {}
            self.throttled_until = 0.0
            self.fault_budget: int | None = self.knobs.fault_calls or None
            self.random = random.Random(self.knobs.seed or None)
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.files_gate.set()

    def set_knobs(self, values: dict) -> Knobs:
        with self.lock:
            self.knobs = Knobs.from_mapping(values, base=self.knobs)
            if "throttle_seconds" in values:
                self.throttled_until = time.time() + self.knobs.throttle_seconds
            if "fault_calls" in values:
                self.fault_budget = self.knobs.fault_calls or None
            if "seed" in values:
                self.random = random.Random(self.knobs.seed or None)
            return self.knobs

    # --- per call -------------------------------------------------------------------

    def count(self, endpoint: str, key: str, section: str = "") -> None:
        with self.lock:
            self.calls[endpoint] += 1
            self.calls_by_key[key][endpoint] += 1
            if section:
                self.sections[f"{endpoint}:{section}"] += 1

    def note_upload_form(self, request_type: str, part: str) -> None:
        with self.lock:
            self.upload_forms[f"{request_type} {part}"] += 1

    def take_fault(self, endpoint: str) -> bool:
        """Whether fault knobs apply to this call; uses up one call of a burst."""
        with self.lock:
            if not self.knobs.faults_apply(endpoint):
                return False
            if self.fault_budget is None:
                return True
            if self.fault_budget <= 0:
                return False
            self.fault_budget -= 1
            return True

    def chance(self, rate: float) -> bool:
        with self.lock:
            return rate > 0 and self.random.random() < rate

    def check_rate(self, key: str) -> None:
        """Token bucket per key, plus the forced throttle window."""
        now = time.time()
        with self.lock:
            if now < self.throttled_until:
                raise SandboxError(20000, http_status=429)
            limit = self.knobs.rate_limit
            if not limit:
                return
            tokens, last = self.buckets.get(key, (float(limit), now))
            tokens = min(float(limit), tokens + (now - last) * limit)
            if tokens < 1:
                self.buckets[key] = (tokens, now)
                raise SandboxError(20000, http_status=429)
            self.buckets[key] = (tokens - 1, now)

    # --- points ---------------------------------------------------------------------

    def balance(self, key: str) -> int:
        with self.lock:
            self._settle_all()
            return self.balances.setdefault(key, self.knobs.balance)

    def spend(self, key: str, points: int) -> None:
        with self.lock:
            current = self.balances.setdefault(key, self.knobs.balance)
            if current < points:
                raise SandboxError(810012)
            self.balances[key] = current - points
            self.spent[key] += points

    def _settle_all(self) -> None:
        now = time.time()
        for task in self.tasks.values():
            self.settle(task, now)

    def settle(self, task: TaskRecord, now: float) -> None:
        """Failed tasks give their points back (once)."""
        if not task.refunded and task.state(now) == "failed":
            task.refunded = True
            self.balances[task.key] = self.balances.get(task.key, 0) + task.cost
            self.spent[task.key] -= task.cost

    # --- uploads and tasks ------------------------------------------------------------

    def add_upload(self, key: str, content: bytes, fmt: str, size: tuple[int, int]) -> UploadRecord:
        upload_id = uuid.uuid4().hex
        ext = "png" if fmt == "PNG" else "jpg"
        owner = hashlib.sha256(key.encode()).hexdigest()[:8]
        path = f"upload/{owner}/{upload_id}.{ext}"
        file = self.data_dir / f"{upload_id}.{ext}"
        file.write_bytes(content)
        record = UploadRecord(upload_id, key, path, file, fmt, size[0], size[1])
        with self.lock:
            self.uploads[upload_id] = record
        return record

    def find_upload(self, key: str, image_url: str, path: str) -> UploadRecord | None:
        upload_id = Path(str(path)).stem
        with self.lock:
            record = self.uploads.get(upload_id)
        if record is None or record.key != key or record.path != path:
            return None
        if not str(image_url).endswith(f"/files/uploads/{record.id}.{record.file.suffix[1:]}"):
            return None
        return record

    def add_task(self, *, key: str, kind: str, app_id: str, params: dict, cost: int, count: int):
        with self.lock:
            self.spend(key, cost)
            task = TaskRecord(
                id=str(self.random.randrange(10**18, 2**63)),  # 19 digits, a signed int64
                key=key,
                kind=kind,
                app_id=app_id,
                params=params,
                cost=cost,
                count=count,
                created=time.time(),
                duration=self.knobs.task_seconds,
                will_fail=self.random.random() < self.knobs.failure_rate,
            )
            self.tasks[task.id] = task
            return task

    def stats(self) -> dict:
        with self.lock:
            self._settle_all()
            now = time.time()
            states = Counter(task.state(now) for task in self.tasks.values())
            return {
                "calls": dict(self.calls),
                "calls_by_key": {k: dict(v) for k, v in self.calls_by_key.items()},
                "points_spent": dict(self.spent),
                "balances": dict(self.balances),
                "tasks": dict(states),
                "uploads": len(self.uploads),
                "sections": dict(self.sections),
                "upload_forms": dict(self.upload_forms),
                "files_gate": "open" if self.files_gate.is_set() else "closed",
                "files_waiting": self.files_waiting,
                "knobs": asdict(self.knobs),
            }


_current: Sandbox | None = None


def current() -> Sandbox:
    """The process's sandbox, built from settings and SANDBOX_* variables on first use."""
    global _current
    if _current is None:
        _current = Sandbox(
            api_keys=tuple(settings.SANDBOX_API_KEYS),
            data_dir=settings.SANDBOX_DATA_DIR,
            knobs=Knobs.from_env(),
        )
    return _current


def install(sandbox: Sandbox) -> None:
    global _current
    _current = sandbox
