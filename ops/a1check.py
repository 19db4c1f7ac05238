"""`manage.py a1check`: which of our assumptions about A1 hold, with the deployer's key.

No machine that built the portal reaches a1.art, so what we know of the live API is its
document and two public clients. This reads a few apps in every language the portal
speaks (and with no language: the publishing one), uploads a tiny generated image (as a
file and by link), asks a task with `section: cn`, and, only when allowed to spend,
generates one image and polls it to the end. It reports what held and what did not:
fields we expect and did not find, fields we did not expect (the tolerant reader's
notes), task states seen, whether node apps can be told apart, the timings. The key is
never printed: only whether one is set.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial

from PIL import Image

from a1 import A1Client, A1Error, App, CnetValue, GenerateRequest, RetryPolicy, Task

# What the document and our reader expect in each answer; the rest is a note.
APP_FIELDS = {"id", "versionId", "name", "description", "cover", "formArr", "styleArr"}
# The sandbox's names for a node app's kind and cost: the document names none.
KIND_FIELDS = {"appType", "nodeNum"}
FORM_FIELDS = {"id", "type", "name", "required"}
FORM_OPTIONAL = {"inputs", "positionNum", "image"}
UPLOAD_FIELDS = {"imageUrl", "path"}
TASK_FIELDS = {"id", "state", "images", "createDate", "startDate", "finishDate"}
TASK_OPTIONAL = {"failReason", "taskId"}
TASK_STATES = {"10": "completed", "20": "failed", "30": "processing"}
# A1's codes for the portal's UI languages; "" asks for the publishing language.
LANGUAGES = ("", "en_US", "zh_CN", "zh_TW", "ja_JP")
MAIN_DOMAIN = "https://a1.art"
ALTERNATE_DOMAIN = "https://a1art.xiaopiu.com"  # the document's, for mainland China


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)  # what was done, in order
    held: list[str] = field(default_factory=list)
    not_held: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # calls that did not work at all
    states: list[str] = field(default_factory=list)
    timings: dict[str, list[float]] = field(default_factory=dict)

    def timed(self, what: str, call: Callable):
        started = time.monotonic()
        try:
            return call()
        finally:
            self.timings.setdefault(what, []).append((time.monotonic() - started) * 1000)

    # "<where>: field <name> missing" -> where it was seen (languages, forms), in order
    missing: dict[str, list[str]] = field(default_factory=dict)
    unexpected: dict[str, list[str]] = field(default_factory=dict)

    def check_fields(
        self,
        where: str,
        data: dict,
        expected: AbstractSet[str],
        optional: AbstractSet[str] = frozenset(),
        *,
        seen_in: str = "",
    ) -> bool:
        """Note fields missing from `data` and fields we do not read, once per kind of
        finding (the languages and forms it was seen in are listed together)."""
        missing = sorted(expected - set(data))
        for name in missing:
            _add(self.missing, f"{where}: field {name} missing", seen_in)
        for name in sorted(set(data) - expected - optional):
            _add(self.unexpected, f"{where}: field {name} not expected (ignored)", seen_in)
        return not missing

    def text(self) -> str:
        out = [*self.lines, ""]
        for title, items in (
            ("Held", self.held),
            ("Did not hold", [*_listed(self.missing), *self.not_held]),
            ("Notes (tolerant reader)", [*_listed(self.unexpected), *self.notes]),
            ("Calls that failed", self.failed),
        ):
            out.append(f"{title}:")
            out.extend(f"  - {item}" for item in items) if items else out.append("  (none)")
        out.append(f"Task states seen: {', '.join(self.states) or '(no task polled)'}")
        out.append("Timings:")
        for what, values in self.timings.items():
            values = sorted(values)
            out.append(
                f"  {what}: {len(values)} call(s), median {values[len(values) // 2]:.0f} ms,"
                f" slowest {values[-1]:.0f} ms"
            )
        return "\n".join(out) + "\n"


def _add(found: dict[str, list[str]], finding: str, seen_in: str) -> None:
    places = found.setdefault(finding, [])
    if seen_in and seen_in not in places:
        places.append(seen_in)


def _listed(found: dict[str, list[str]]) -> list[str]:
    return [
        f"{finding} (in {', '.join(places)})" if places else finding
        for finding, places in found.items()
    ]


def tiny_png() -> bytes:
    image = Image.new("RGB", (64, 64), "teal")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def a1_check(
    *,
    base_url: str,
    api_key: str,
    app_ids: list[str],
    spend: int = 0,
    poll_seconds: float = 5.0,
    wait_seconds: float = 600.0,
    timeout: float = 30.0,
) -> Report:
    """Run the checks (generate only when `spend` > 0 points are allowed)."""
    report = Report()
    retry = RetryPolicy(attempts=2)
    client = A1Client(base_url, api_key, timeout=timeout, retry=retry)
    report.lines.append(
        f"A1 check against {base_url} (key: {'set' if api_key else 'NOT SET'});"
        f" apps {', '.join(app_ids)}"
    )
    apps = [app for app_id in app_ids if (app := _apps(report, client, app_id)) is not None]
    upload = _uploads(report, client)
    _section(report, base_url, api_key, timeout)
    _alternate_domain(report, base_url)
    if spend <= 0:
        report.lines.append("generate: not run (no --spend): no points spent")
    elif upload is None or not apps:
        report.failed.append("generate: not run, as the apps or the upload did not work")
    else:
        _generate(report, client, apps, upload, spend, poll_seconds, wait_seconds)
    return report


def _apps(report: Report, client: A1Client, app_id: str) -> App | None:
    """The app in every language; what its fields say of kind, cost and language."""
    names: dict[str, str] = {}
    first: App | None = None
    for language in LANGUAGES:
        label = language or "publishing language"
        try:
            app = report.timed("app details", partial(client.app, app_id, language=language))
        except A1Error as exc:
            report.failed.append(f"app {app_id} ({label}): {exc.code} {exc.msg}")
            continue
        raw = app.raw
        where = f"app {app_id}"
        report.check_fields(where, raw, APP_FIELDS, KIND_FIELDS, seen_in=label)
        for index, form in enumerate(raw.get("formArr") or []):
            if isinstance(form, dict):
                report.check_fields(
                    f"{where} formArr", form, FORM_FIELDS, FORM_OPTIONAL, seen_in=f"#{index}"
                )
        if not isinstance(raw.get("id"), str) or not isinstance(raw.get("versionId"), str):
            _add(report.unexpected, f"app {app_id}: ids are JSON numbers, not strings", label)
        names[language] = app.name
        if first is None:
            first = app
            report.lines.append(
                f"{where} ({label}): version {app.version_id}, {len(app.forms)} form(s),"
                f" read as a {'node' if app.is_node else 'form'} app costing"
                f" {app.cost(1)} point(s) for one image"
            )
    if first is None:
        return None
    raw = first.raw
    kind = sorted(KIND_FIELDS & set(raw))
    if kind:
        report.held.append(f"app {app_id}: node marking present ({', '.join(kind)})")
    else:
        report.not_held.append(
            f"app {app_id}: neither appType nor nodeNum in its details: a node app cannot"
            " be told from a form app; set kind and points in the library's admin"
        )
    photos = [
        f for f in raw.get("formArr") or [] if isinstance(f, dict) and f.get("type") == "cnet"
    ]
    grouped = [str(f.get("positionNum")) for f in photos if f.get("positionNum")]
    if grouped:
        report.held.append(f"app {app_id}: group photo marking present (positionNum {grouped[0]})")
    elif photos:
        report.lines.append(
            f"app {app_id}: no positionNum on its photo form(s): read as one photo each; a"
            " group photo app needs its people positions set in the library's admin"
        )
    published = names.get("")
    same = [lang for lang, name in names.items() if lang and name == published]
    if published is not None:
        report.lines.append(
            f"app {app_id}: with no language its name is {published!r}"
            f" (the same in {', '.join(same) or 'no language asked'})"
        )
    if len({name for lang, name in names.items() if lang}) > 1:
        report.held.append(f"app {app_id}: names differ by language")
    else:
        report.notes.append(f"app {app_id}: the same name in every language asked")
    return first


def _uploads(report: Report, client: A1Client):
    content = tiny_png()
    try:
        upload = report.timed(
            "upload", lambda: client.upload_file(content, "a1check.png", "image/png")
        )
    except A1Error as exc:
        report.failed.append(f"upload (64x64 PNG, form-data): {exc.code} {exc.msg}")
        return None
    if report.check_fields("upload", upload.raw, UPLOAD_FIELDS):
        report.held.append("upload: a 64x64 PNG as form-data answers imageUrl and path")
    try:
        by_link = report.timed("upload", lambda: client.upload_url(upload.image_url))
    except A1Error as exc:
        report.not_held.append(f"upload by link (imageUrl as form-data): {exc.code} {exc.msg}")
    else:
        if by_link.path:
            report.held.append("upload by link: imageUrl as form-data answers a path")
    return upload


def _section(report: Report, base_url: str, api_key: str, timeout: float) -> None:
    """`section: cn` on a task query: A1 must take the header (the task is none of ours)."""
    cn = A1Client(base_url, api_key, section="cn", timeout=timeout, retry=RetryPolicy(attempts=1))
    try:
        report.timed("task query", lambda: cn.task("1"))
    except A1Error as exc:
        if exc.code < 0 or exc.code in (10410, 10411) or 20000 <= exc.code < 30000:
            report.failed.append(f"task query with section: cn: {exc.code} {exc.msg}")
            return
        report.held.append(f"task query with section: cn: answered A1's code {exc.code}")
        return
    report.notes.append("task query with section: cn: a task 1 was answered")


def _alternate_domain(report: Report, base_url: str) -> None:
    if base_url.rstrip("/") != MAIN_DOMAIN:
        report.lines.append(f"alternate domain {ALTERNATE_DOMAIN}: not checked (not a1.art)")
        return
    reachable = A1Client(ALTERNATE_DOMAIN, "").reachable()  # no key sent
    (report.held if reachable else report.notes).append(
        f"alternate domain {ALTERNATE_DOMAIN}: {'answers' if reachable else 'did not answer'}"
    )


def _generate(report, client, apps, upload, spend, poll_seconds, wait_seconds) -> None:
    app = next((a for a in apps if a.generatable and a.cost(1) <= spend), None)
    if app is None:
        report.failed.append(f"generate: no app checked costs {spend} point(s) or fewer")
        return
    request = GenerateRequest(
        app_id=app.id,
        version_id=app.version_id,
        generate_num=1,
        cnet=tuple(
            CnetValue(form.id, upload.image_url, upload.path, position)
            for form in app.forms_of("cnet")
            for position in (range(form.positions) if form.positions else [None])
        ),
        description=tuple(
            (field_id, "a1check")
            for form in app.forms_of("description")
            for field_id in ([i.id for i in form.inputs] or [form.id])
        ),
        style_id=app.styles[0].id if app.forms_of("style") and app.styles else "",
        size_id="1" if app.forms_of("size") else "",
    )
    try:
        task_id = report.timed("generate", lambda: client.generate(request))
    except A1Error as exc:
        report.failed.append(f"generate app {app.id}: {exc.code} {exc.msg}")
        return
    report.lines.append(f"generate app {app.id} ({app.cost(1)} point(s)): task {task_id}")
    if task_id.isdigit() and int(task_id) < 2**63:
        report.held.append("generate: the task id is digits that fit a signed 64-bit integer")
    else:
        report.notes.append(f"generate: task id {task_id!r} is not a 64-bit integer")
    started = time.monotonic()
    task: Task | None = None
    while time.monotonic() - started < wait_seconds:
        try:
            task = report.timed("task query", lambda: client.task(task_id))
        except A1Error as exc:
            report.failed.append(f"task {task_id}: {exc.code} {exc.msg}")
            return
        if not report.states or report.states[-1] != task.raw_state:
            report.states.append(task.raw_state)
            if task.raw_state not in TASK_STATES:
                report.not_held.append(
                    f"task {task_id}: state {task.raw_state!r} is not one we know"
                    f" ({', '.join(f'{k} {v}' for k, v in TASK_STATES.items())});"
                    " read as still processing"
                )
        if task.state.finished:
            break
        time.sleep(poll_seconds)
    if task is None or not task.state.finished:
        report.failed.append(f"task {task_id}: not finished within {wait_seconds:.0f} s")
        return
    report.check_fields("task", task.raw, TASK_FIELDS, TASK_OPTIONAL, seen_in=task_id)
    if any(not isinstance(image, str) for image in task.raw.get("images") or []):
        report.notes.append(f"task {task_id}: images are objects, not links (read all the same)")
    if not isinstance(task.raw.get("createDate"), str | None):
        report.notes.append(f"task {task_id}: dates are not ISO text (read all the same)")
    report.lines.append(
        f"task {task_id}: {task.state.value} after {time.monotonic() - started:.1f} s,"
        f" {len(task.images)} image(s)"
    )
    if task.state.value == "completed" and task.images:
        report.held.append(f"task {task_id}: completed with image links")
