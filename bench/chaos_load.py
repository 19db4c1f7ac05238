"""What `make chaos` drives while it breaks things, and how it judges what people saw:
the soak's users (pages and submissions, each request recorded with the fault it fell
in), a batch per fault, and the account afterwards (lost runs, runs sent twice, holds
left open, files without rows and rows without files)."""

from __future__ import annotations

import html
import io
import random
import re
import subprocess
import threading
import time
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bench.chaos_report import POLL_INTERVAL
from bench.chaos_services import wait_for
from bench.harness import Stack, first_group, login

WATERCOLOR = "1838546335502970881"
SLOT = "cnet_17466175263110005"
PAGES = ["/apps/", "/history/", "/team/", f"/apps/{WATERCOLOR}/"]
HUNG_AFTER = 30.0  # seconds: a request not answered by then is hung
FINAL = {"completed", "failed"}
ITEM_FINAL = {"invalid", "sent", "refused", "cancelled"}


@dataclass
class Event:
    phase: str
    what: str  # "page", "form", "submit", "upload", "ping", ...
    outcome: str  # "ok", "refused", "503 with a sentence", "bare 500", "hung", "dropped"
    seconds: float
    detail: str = ""


def sentence(text: str) -> bool:
    """Whether a page tells the person something: a sentence of four words or more."""
    visible = html.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<(script|style).*?</\1>", "", text))
    )
    return re.search(r"[A-Za-z][^.!?<>]{15,}[.!?]", visible) is not None


def classify(status: int, text: str) -> str:
    if status < 500:
        return "ok"
    if status == 503 and sentence(text):
        return "503 with a sentence"
    return f"bare {status}"


@dataclass
class Load:
    """Users who browse and submit, recording every request under the current phase."""

    stack: Stack
    image: bytes
    users: int
    phase: str = "start"
    events: list[Event] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)  # run id -> the phase it was given in
    lock: threading.Lock = field(default_factory=threading.Lock)
    paused: threading.Event = field(default_factory=threading.Event)
    stopped: threading.Event = field(default_factory=threading.Event)
    busy: Counter = field(default_factory=Counter)  # requests in the air, by user
    threads: list[threading.Thread] = field(default_factory=list)

    def record(self, what: str, outcome: str, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.events.append(Event(self.phase, what, outcome, seconds, detail[:200]))

    def request(self, session: requests.Session, method: str, path: str, what: str, **kwargs):
        """One request, recorded; the response, or None when it failed without one."""
        started = time.monotonic()
        try:
            response = session.request(
                method, self.stack.url + path, timeout=HUNG_AFTER, allow_redirects=False, **kwargs
            )
        except requests.Timeout:
            self.record(what, "hung", time.monotonic() - started, path)
            return None
        except requests.RequestException as exc:
            self.record(what, "dropped", time.monotonic() - started, f"{path} {type(exc).__name__}")
            return None
        outcome = classify(response.status_code, response.text)
        if what == "submit" and response.status_code == 200:
            outcome = "refused with a message"  # the form again, saying why
        detail = path if outcome == "ok" else f"{path} -> {response.status_code}"
        self.record(what, outcome, time.monotonic() - started, detail)
        return response

    def submit(self, session: requests.Session) -> bool:
        """Whether the session is still logged in."""
        form = self.request(session, "GET", f"/apps/{WATERCOLOR}/", "form")
        if form is None or form.status_code != 200:
            return not logged_out(form)
        key = re.search(r'name="idempotency_key" value="([0-9a-f-]+)"', form.text)
        response = self.request(
            session,
            "POST",
            f"/apps/{WATERCOLOR}/",
            "submit",
            data={
                "idempotency_key": key.group(1) if key else str(uuid.uuid4()),
                "style": "183854633550716522",
                "size": "1",
                "generate_num": "1",
            },
            files={SLOT: ("me.jpg", self.image, "image/jpeg")},
            headers={"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": form.url},
        )
        if response is not None and response.status_code == 302:
            run_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
            with self.lock:
                self.runs[run_id] = self.phase
        return True

    def user(self, name: str) -> None:
        rng = random.Random(name)
        session: requests.Session | None = None
        while not self.stopped.is_set():
            if self.paused.is_set():
                time.sleep(0.2)
                continue
            try:
                session = session or browser(login(self.stack.url, name))
            except (RuntimeError, requests.RequestException):  # the portal is away: later
                time.sleep(1)
                continue
            if rng.random() < 0.2:
                still_in = self.submit(session)
            else:
                still_in = not logged_out(self.request(session, "GET", rng.choice(PAGES), "page"))
            if not still_in:
                session = None  # sent to the log-in page: log in again
            time.sleep(rng.uniform(0.5, 1.5))  # think time

    def start(self) -> None:
        for n in range(self.users):
            thread = threading.Thread(target=self.user, args=(f"user{n:02d}",), daemon=True)
            thread.start()
            self.threads.append(thread)

    def stop(self) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=HUNG_AFTER + 5)

    def outcomes(self, phase: str) -> Counter:
        with self.lock:
            return Counter(e.outcome for e in self.events if e.phase == phase)

    def bad_details(self, phase: str) -> list[str]:
        with self.lock:
            return [
                f"{e.what} {e.outcome} {e.detail} ({e.seconds:.1f} s)"
                for e in self.events
                if e.phase == phase
                and e.outcome not in {"ok", "503 with a sentence", "refused with a message"}
            ]


def browser(session: requests.Session) -> requests.Session:
    """A GET on a kept-alive connection the server closed that instant is sent again once,
    as browsers do; nothing else is retried."""
    retry = Retry(
        total=1,
        connect=1,
        read=1,
        status=0,
        other=0,
        allowed_methods={"GET"},
        respect_retry_after_header=False,
        raise_on_status=False,
    )  # a 503 with Retry-After is an answer to record, never retried here
    for scheme in ("http://", "https://"):
        session.mount(scheme, HTTPAdapter(max_retries=retry))
    return session


def logged_out(response: requests.Response | None) -> bool:
    return (
        response is not None
        and response.status_code == 302
        and "/accounts/login" in response.headers.get("Location", "")
    )


def zip_of_photos(count: int) -> bytes:
    # Pillow, loaded only to build a batch's photos
    from PIL import Image

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            photo = io.BytesIO()
            Image.new("RGB", (240, 320), (40 + n * 7 % 200, 120, 160)).save(photo, "JPEG")
            archive.writestr(f"staff/person-{n:04d}.jpg", photo.getvalue())
    return buffer.getvalue()


def batch_start(stack: Stack, items: int) -> str:
    """A batch of `items` photos, checked and started: it sends while the fault hits."""
    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import Batch

    session = login(stack.url, "batcher")
    page = session.get(f"{stack.url}/apps/{WATERCOLOR}/batch/", timeout=60)
    response = session.post(
        f"{stack.url}/apps/{WATERCOLOR}/batch/",
        data={"style": "183854633550716522", "size": "1", "generate_num": "1"},
        files={"archives": ("staff.zip", zip_of_photos(items), "application/zip")},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": page.url},
        allow_redirects=False,
        timeout=120,
    )
    if response.status_code != 302:
        raise RuntimeError(f"batch form: HTTP {response.status_code}")
    location = response.headers["Location"]
    batch_id = first_group(r"/batches/([0-9a-f-]+)/", location)
    deadline = time.monotonic() + 120
    while Batch.objects.get(pk=batch_id).items.filter(state="checking").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the batch's photos were not checked within 120 s")
        time.sleep(0.5)
    page = session.get(f"{stack.url}{location}", timeout=60)
    session.post(
        f"{stack.url}{location}start/",
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": page.url},
        timeout=60,
    )
    return batch_id


def takeover(suffix: str, since: float, row: dict, timeout: float = 120) -> float:
    """Seconds until nothing unfinished still names the dead worker on a lease.

    Traced meanwhile (row["takeover_trace"]): each change of the dead worker's
    unfinished runs and sending items, and of the live workers' last beats, in
    seconds since the kill, so a slow takeover says where its seconds went."""
    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import BatchItem, Run, WorkerHeartbeat

    trace: list[str] = []
    row["takeover_trace"] = trace
    last: dict[str, str] = {}

    def note(key: str, value: str) -> None:
        if last.get(key) != value:
            last[key] = value
            trace.append(f"{time.time() - since:5.1f} {key}: {value}")

    def free() -> bool:
        runs = Run.objects.filter(claimed_by__endswith=suffix).exclude(state__in=FINAL)
        items = BatchItem.objects.filter(claimed_by__endswith=suffix, state="sending")
        held = {
            f"run {str(pk)[:8]}": f"{state}{' sent' if sent else ''}"
            for pk, state, sent in runs.values_list("pk", "state", "sent_at")
        }
        held |= {f"item {pk}": "sending" for pk in items.values_list("pk", flat=True)}
        for key, value in held.items():
            note(key, value)
        for key in [k for k in last if k.startswith(("run ", "item ")) and last[k] != "gone"]:
            if key not in held:
                note(key, "gone")
        for worker, seen in WorkerHeartbeat.objects.values_list("worker", "seen_at"):
            age = time.time() - seen.timestamp()  # beats come four times an interval
            if not worker.endswith(suffix) and age < 10:  # the live workers' beats
                note(f"beat {worker}", f"{age:.1f} s old" if age > POLL_INTERVAL / 2 else "fresh")  # fmt: skip
        return not held  # one reading: the trace and the verdict agree

    try:
        wait_for(free, timeout, "the dead worker's leases taken over", step=0.2)
    finally:
        print("    takeover trace:\n      " + "\n      ".join(trace), flush=True)
    return time.time() - since


# --- the account, from the database and the sandbox's own records ---------------------


def open_runs(run_ids: list[str], batch_ids: list[str]) -> int:
    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import BatchItem, Run

    return (
        Run.objects.filter(pk__in=run_ids).exclude(state__in=FINAL).count()
        + Run.objects.filter(batch_id__in=batch_ids).exclude(state__in=FINAL).count()
        + BatchItem.objects.filter(batch_id__in=batch_ids).exclude(state__in=ITEM_FINAL).count()
    )


def lost(
    stack: Stack, run_ids: list[str], batch_ids: list[str], *, unknown: list[str]
) -> list[str]:
    """Runs a person was told were started, and batch items, that did not end well:
    missing, never finished, or failed although A1 made their images (thrown away)."""
    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import BatchItem, Run

    found = {
        str(pk): (state, task)
        for pk, state, task in Run.objects.filter(pk__in=run_ids).values_list(
            "pk", "state", "task_id"
        )
    }
    found.update({str(pk): (state, task) for pk, state, task in Run.objects.filter(batch_id__in=batch_ids).values_list("pk", "state", "task_id")})  # fmt: skip
    missing = [f"run {pk}: no row" for pk in run_ids if pk not in found]
    bad = []
    for pk, (state, task) in found.items():
        if pk in unknown:
            continue  # counted apart (outcome_unknown): sent once, never again
        if state not in FINAL:
            bad.append(f"run {pk}: still {state}")
        elif state == "failed" and task:
            record = stack.sandbox("GET", f"tasks/{task}")
            if not record.get("willFail"):
                bad.append(f"run {pk}: failed although A1 made its images")
    items = BatchItem.objects.filter(batch_id__in=batch_ids).exclude(state__in=ITEM_FINAL)
    bad += [f"item {pk}: still {state}" for pk, state in items.values_list("pk", "state")]
    return missing + bad


def _sent_unrecorded(stack: Stack) -> tuple[list[str], dict[str, int]]:
    """Tasks A1 (the sandbox) made that no run names, and for each run whose outcome is
    unknown (a worker killed between A1's answer and its write), how many of those
    tasks carry its photos: the send it made once, or more."""
    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import Run

    named = set(Run.objects.exclude(task_id="").values_list("task_id", flat=True))
    unrecorded = [t for t in stack.sandbox("GET", "tasks")["tasks"] if t["id"] not in named]
    unknown = Run.objects.filter(state="unknown", task_id="").prefetch_related("inputs")
    sent: dict[str, int] = {}
    for run in unknown:
        # The sandbox keeps a task's photos by their upload's id: the file name's stem.
        uploads = {PurePosixPath(p.a1_image_url).stem for p in run.inputs.all() if p.a1_image_url}
        sent[str(run.pk)] = sum(
            1 for t in unrecorded if uploads and uploads <= set(t["params"].get("photos", []))
        )
    return [t["id"] for t in unrecorded], sent


def sent_twice(stack: Stack) -> int:
    """Sends beyond one per run: tasks A1 made that no run names, less one for each run
    whose outcome is unknown and whose photos one of them carries (sent once, its answer
    never recorded: not a second send)."""
    unrecorded, sent = _sent_unrecorded(stack)
    return len(unrecorded) - sum(min(n, 1) for n in sent.values())


def outcome_unknown(stack: Stack, run_ids: list[str], batch_ids: list[str]) -> list[str]:
    """Of these runs, those left "unknown" by a kill between A1's answer and our write,
    that A1 took exactly once: never sent again, the owner told; not lost work of ours
    but a paid call whose result nobody can fetch (A1 finds tasks only by their id)."""
    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import Run

    _, sent = _sent_unrecorded(stack)
    ours = set(run_ids) | {
        str(pk) for pk in Run.objects.filter(batch_id__in=batch_ids).values_list("pk", flat=True)
    }
    return [pk for pk, n in sent.items() if pk in ours and n == 1]


def holds_leaked() -> list[str]:
    """Finished runs and items whose points are still held (never released or spent)."""
    # Django is set up once the stack's settings are known (setup_django)
    from django.db.models import Q, Sum

    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import BatchItem, LedgerEntry, Run

    held = (
        LedgerEntry.objects.exclude(kind="spend")
        .values("run_id", "item_id")
        .annotate(points=Sum("points"))
        .filter(points__gt=0)
    )
    rows: list[dict[str, Any]] = [
        dict(row) for row in held
    ]  # either id may be None: entries name one
    runs = {row["run_id"] for row in rows if row["run_id"] is not None}
    items = {row["item_id"] for row in rows if row["item_id"] is not None and row["run_id"] is None}
    leaked = [
        f"run {pk}"
        for pk in Run.objects.filter(pk__in=runs, state__in=FINAL).values_list("pk", flat=True)
    ]
    leaked += [f"item {pk}" for pk in BatchItem.objects.filter(Q(pk__in=items), state__in=ITEM_FINAL).values_list("pk", flat=True)]  # fmt: skip
    return leaked


def storage_check(stack: Stack) -> tuple[int, int, str]:
    """`manage.py storage_check`: (files with no row, rows with no file, its summary and
    the first ten it names)."""
    result = subprocess.run(
        stack.manage("storage_check"), env=stack.env, capture_output=True, text=True, timeout=300
    )
    summary = (
        result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
    )
    named = [
        line for line in result.stdout.splitlines() if line.startswith(("no row:", "no file:"))
    ]
    summary = " | ".join([summary, *named[:10]])
    match = re.search(r"(\d+) with no row, (\d+) rows with no file", summary)
    if match is None:
        return -1, -1, summary
    return int(match.group(1)), int(match.group(2)), summary
