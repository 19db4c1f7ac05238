"""`make bench`: the portal against its limits, in one run, as ratios.

Starts the production profile (gunicorn, two workers, the sandbox with a fixed task
duration) on free ports with a fresh database, runs its scenarios (bench/holds.py among them), prints one table
and writes bench/results.json and docs/performance.md; then, in a process of its own,
the galleries at 10,000 and 100,000 runs (bench/galleries.py, `--only galleries`),
whose figures join bench/results.json. The retention job over 100,000 runs is on
demand (`--only retention`); its figures join the same file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench.batch import batch_rows, scenario_batch
from bench.fairness import fairness_rows, scenario_fairness
from bench.galleries import seed
from bench.harness import (
    PASSWORD,
    ROOT,
    Stack,
    first_group,
    load,
    login,
    machine,
    percentile,
    rss_mb,
)
from bench.holds import holds_rows, scenario_holds
from bench.retention import scenario_retention, section, update_docs

WATERCOLOR = "1838546335502970881"
POSTER = "1838546335502970882"
TASK_SECONDS = 7.5  # between poll ticks (5 s, then every 1 s): counts do not jitter
POLL_INTERVAL = 1.0


def setup_django(stack: Stack) -> None:
    os.environ.update(stack.env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "a1site.settings")
    import django

    django.setup()


def make_users(count: int):
    from django.contrib.auth import get_user_model

    from generator.models import Membership, Team

    User = get_user_model()
    team = Team.objects.create(name="Bench")
    names = [f"user{n:02d}" for n in range(count)] + ["gallery", "weight"]
    for name in names:
        user = User.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(team=team, user=user)
    return team


def photo() -> bytes:
    """A phone-photo-like portrait: smooth light, a face, a little sensor noise."""
    import io

    from PIL import Image, ImageDraw, ImageFilter

    image = Image.linear_gradient("L").resize((900, 1200)).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, (250, 200, 160)), 0.6)
    draw = ImageDraw.Draw(image)
    draw.ellipse([300, 250, 600, 650], fill=(230, 180, 150))
    draw.rectangle([220, 700, 680, 1200], fill=(40, 60, 90))
    noise = Image.effect_noise(image.size, 8).convert("RGB")
    image = Image.blend(image, noise, 0.05).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def submit(session: requests.Session, url: str, image: bytes, *, num: int = 2) -> str:
    page = session.get(f"{url}/apps/{WATERCOLOR}/", timeout=30)
    key = first_group(r'name="idempotency_key" value="([0-9a-f-]+)"', page.text)
    response = session.post(
        f"{url}/apps/{WATERCOLOR}/",
        data={
            "idempotency_key": key,
            "style": "183854633550716522",
            "size": "1",
            "generate_num": str(num),
        },
        files={"cnet_17466175263110005": ("me.jpg", image, "image/jpeg")},
        headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": page.url},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise RuntimeError(f"submit failed: HTTP {response.status_code}")
    return response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]


def wait_done(ids: list[str], timeout: float = 300) -> None:
    from generator.models import Run

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        open_runs = Run.objects.filter(pk__in=ids).exclude(state__in=["completed", "failed"])
        if not open_runs.exists():
            return
        time.sleep(0.5)
    raise RuntimeError("generations did not finish in time")


def calls(stack: Stack) -> dict:
    return stack.sandbox("GET", "stats")["calls"]


def delta(after: dict, before: dict) -> dict:
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}


# --- 1 and 2: result latency and upstream economy -----------------------------------


def scenario_latency(stack: Stack, users: int, per_user: int) -> dict:
    from generator.models import Run

    sessions = [login(stack.url, f"user{n:02d}") for n in range(users)]
    image = photo()
    before = calls(stack)
    spent_before = stack.sandbox("GET", "stats")["points_spent"].get("sandbox", 0)

    def user_run(session):
        return [submit(session, stack.url, image) for _ in range(per_user)]

    with ThreadPoolExecutor(users) as pool:
        ids = [gid for batch in pool.map(user_run, sessions) for gid in batch]
    wait_done(ids)
    used = delta(calls(stack), before)

    latencies, verified = [], 0
    owners = {}
    for run in Run.objects.filter(pk__in=ids).select_related("user"):
        task = stack.sandbox("GET", f"tasks/{run.task_id}")
        assert run.finished_at is not None, f"run {run.pk} did not finish"
        latencies.append(run.finished_at.timestamp() - task["finishesAt"])
        owners[str(run.pk)] = run.user.username
    for session, gid in ((sessions[int(owners[g][4:])], g) for g in ids):
        fragment = session.get(
            f"{stack.url}/generations/{gid}/progress/", headers={"HX-Request": "true"}, timeout=30
        )
        match = re.search(r'href="(/media/results/[0-9a-f-]+)"', fragment.text)
        if "state-completed" in fragment.text and "hx-trigger" not in fragment.text and match:
            verified += session.get(stack.url + match.group(1), timeout=30).status_code == 200

    quoted = sum(
        p or 0 for p in Run.objects.filter(pk__in=ids).values_list("points_spent", flat=True)
    )
    spent = stack.sandbox("GET", "stats")["points_spent"].get("sandbox", 0) - spent_before
    n = len(ids)
    floor = 1 + 1 + math.ceil(TASK_SECONDS / POLL_INTERVAL) + 1
    per_run = (used.get("upload", 0) + used.get("generate", 0) + used.get("task", 0)) / n
    p95 = percentile(latencies, 95)
    return {
        "runs": n,
        "users": users,
        "task_seconds": TASK_SECONDS,
        "poll_interval": POLL_INTERVAL,
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": p95,
        "latency_max_s": max(latencies),
        "latency_p95_over_interval": p95 / POLL_INTERVAL,
        "latency_target_s": 1.5 * POLL_INTERVAL + 0.5,
        "verified_in_page": verified,
        "calls": used,
        "calls_per_run": per_run,
        "task_queries_per_run": used.get("task", 0) / n,
        "floor_per_run": floor,
        "calls_over_floor": per_run / floor,
        "points_spent": spent,
        "points_quoted_and_recorded": quoted,
    }


def scenario_tabs(stack: Stack, tabs: int, count: int = 10) -> dict:
    """Task queries per run with 1 tab and with `tabs` tabs polling each page."""
    results = {}
    image = photo()
    for label, watchers in (("one_tab", 1), ("many_tabs", tabs)):
        session = login(stack.url, "user00")
        before = calls(stack)
        ids = [submit(session, stack.url, image, num=1) for _ in range(count)]
        stop = threading.Event()

        def watch(gid, session=session, stop=stop):
            tab = requests.Session()
            tab.cookies.update(session.cookies)
            while not stop.is_set():
                try:
                    text = tab.get(
                        f"{stack.url}/generations/{gid}/progress/",
                        headers={"HX-Request": "true"},
                        timeout=30,
                    ).text
                except requests.ConnectionError:
                    text = "hx-trigger"  # a kept-alive connection the server closed: try again, as htmx would
                if "hx-trigger" not in text:
                    return
                stop.wait(2.0)  # htmx's cadence

        threads = [
            threading.Thread(target=watch, args=(gid,)) for gid in ids for _ in range(watchers)
        ]
        for thread in threads:
            thread.start()
        wait_done(ids)
        stop.set()
        for thread in threads:
            thread.join()
        results[label] = delta(calls(stack), before).get("task", 0) / count
    results["tabs"] = tabs
    results["ratio"] = results["many_tabs"] / results["one_tab"]
    return results


# --- 3 and 4: page speed and page weight ---------------------------------------------


def seed_gallery(team, runs: int, images_each: int) -> str:
    """A big history: `runs` shared runs with `images_each` results each."""
    from django.contrib.auth import get_user_model

    from generator.models import Run

    user = get_user_model().objects.get(username="gallery")
    seed(user, team, upto=runs, images_each=images_each)
    return str(Run.objects.filter(user=user).latest("created").pk)


def scenario_pages(stack: Stack, team, connections: int, requests_each: int) -> dict:
    gid = seed_gallery(team, 10_000, 4)
    session = login(stack.url, "gallery")
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())  # as a browser sends
    paths = {
        "trivial": "/ping",
        "history": "/history/",
        "team_gallery": "/team/",
        "run_page": f"/generations/{gid}/",
        "progress_fragment": f"/generations/{gid}/progress/",
    }
    for path in paths.values():  # warm up: every web process builds each page once
        load(stack.url, path, cookie=cookie, connections=8, requests_each=3)
    figures = {
        name: load(
            stack.url, path, cookie=cookie, connections=connections, requests_each=requests_each
        )
        for name, path in paths.items()
    }
    trivial = figures["trivial"]
    for figure in figures.values():
        figure["p95_over_trivial"] = figure["p95_ms"] / trivial["p95_ms"]
        figure["rps_share_of_trivial"] = figure["rps"] / trivial["rps"]
    return figures


def scenario_weight(stack: Stack, source_ids: list[str]) -> dict:
    """Bytes of a 50-card history page, against the same page with full-size images."""
    from django.contrib.auth import get_user_model

    from generator.models import ResultImage, Run

    user = get_user_model().objects.get(username="weight")
    sources = list(
        Run.objects.filter(pk__in=source_ids)
        .order_by("created", "pk")
        .prefetch_related("results")[:50]
    )
    for source in sources:
        clone = Run.objects.create(
            user=user, app_id=source.app_id, app_name=source.app_name, state="completed",
            idempotency_key=uuid.uuid4(), params=source.params, generate_num=source.generate_num,
        )  # fmt: skip
        for result in source.results.all():
            result.pk, result.run = uuid.uuid4(), clone
            result._state.adding = True
            result.save()
    session = login(stack.url, "weight")
    session.headers["Accept-Encoding"] = "gzip"

    def transferred(path: str) -> int:
        response = session.get(stack.url + path, timeout=30, stream=True)
        body = response.raw.read()  # as sent: compressed when the server compressed it
        return len(body)

    page = session.get(f"{stack.url}/history/", timeout=30)
    html_bytes = transferred("/history/")
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+|/jsi18n/)"', page.text))
    each_asset = {asset: transferred(asset) for asset in sorted(assets)}
    asset_bytes = sum(each_asset.values())
    thumbs = re.findall(r'src="(/media/results/[0-9a-f-]+)/thumb"', page.text)
    thumb_bytes = sum(transferred(f"{t}/thumb") for t in thumbs)
    full_bytes = sum(ResultImage.objects.get(pk=t.rsplit("/", 1)[-1]).byte_size for t in thumbs)
    page_total = html_bytes + asset_bytes + thumb_bytes
    full_total = html_bytes + asset_bytes + full_bytes
    return {
        "cards": len(thumbs),
        "html_bytes": html_bytes,
        "css_js_bytes": asset_bytes,
        "assets": each_asset,
        "thumbnail_bytes": thumb_bytes,
        "page_bytes": page_total,
        "full_size_page_bytes": full_total,
        "ratio": page_total / full_total,
    }


# --- 5: worker memory ----------------------------------------------------------------


def scenario_memory(stack: Stack, runs: int, images_each: int) -> dict:
    from django.contrib.auth import get_user_model

    from a1 import A1Client, GenerateRequest
    from generator.models import Run
    from generator.runs.tracking import poll_run

    # One worker takes all the work: whichever is still running (the batch scenario kills
    # worker0 and starts worker2 in its place).
    running = sorted(name for name in stack.processes if name.startswith("worker"))
    for name in running[1:]:
        stack.stop(name)
    worker = stack.processes[running[0]]
    stack.sandbox("POST", "knobs", json={"task_seconds": 1})
    client = A1Client(stack.sandbox_url, "sandbox", timeout=30)
    app = client.app(POSTER)
    user = get_user_model().objects.get(username="user01")

    def start(count: int) -> list[str]:
        ids = []
        for n in range(count):
            request = GenerateRequest(
                app_id=app.id, version_id=app.version_id, generate_num=images_each,
                description=((app.forms_of("description")[0].id, f"lighthouse {n}"),),
                style_id=app.styles[0].id, size_id="1",
            )  # fmt: skip
            run = Run.objects.create(
                user=user, app_id=app.id, app_name=app.name, idempotency_key=uuid.uuid4(),
                task_id=client.generate(request), state="running", generate_num=images_each,
                points_quoted=images_each, submitted_at=datetime.now(UTC),
                next_poll_at=datetime.now(UTC),
            )  # fmt: skip
            poll_run.enqueue(str(run.pk))
            ids.append(str(run.pk))
        return ids

    at_start = rss_mb(worker.pid)
    wait_done(start(50))  # warm-up: imports, caches, connection pools
    before = rss_mb(worker.pid)
    started = time.monotonic()
    wait_done(start(runs), timeout=1800)
    return {
        "runs": runs,
        "images_each": images_each,
        "rss_at_start_mb": at_start,
        "rss_before_mb": before,
        "rss_after_mb": rss_mb(worker.pid),
        "growth_mb": rss_mb(worker.pid) - before,
        "seconds": time.monotonic() - started,
    }


# --- report ---------------------------------------------------------------------------


def table(results: dict) -> str:
    """The table of every scenario in `results`; one whose stored figures are of an older
    bench (`--only` keeps the others' from the file) gets a line saying so."""
    fits, rows = {}, [("measure", "figure", "target", "met")]
    for name in SCENARIOS:
        if name in results:
            try:
                _rows({name: results[name]})
                fits[name] = results[name]
            except (KeyError, TypeError):
                rows.append((f"{name}: figures of an older bench", "run it again", "", ""))
    rows[1:1] = _rows(fits)[1:]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)) for r in rows)


def _rows(results: dict) -> list[tuple[str, str, str, str]]:
    lat, tabs, pages, weight, memory = (
        results.get(k, {}) for k in ("latency", "tabs", "pages", "weight", "memory")
    )
    rows = [("measure", "figure", "target", "met")]
    if lat:
        rows += [
            ("result latency p50 / p95 / max (s)", f"{lat['latency_p50_s']:.2f} / {lat['latency_p95_s']:.2f} / {lat['latency_max_s']:.2f}", "", ""),
            ("latency p95 / poll interval", f"{lat['latency_p95_over_interval']:.2f}", f"p95 <= {lat['latency_target_s']:.1f} s", _met(lat["latency_p95_s"] <= lat["latency_target_s"])),
            ("generations verified on their page", f"{lat['verified_in_page']} / {lat['runs']}", "all", _met(lat["verified_in_page"] == lat["runs"])),
            ("upstream calls per generation", f"{lat['calls_per_run']:.2f} (floor {lat['floor_per_run']})", "<= floor + 1", _met(lat["calls_per_run"] <= lat["floor_per_run"] + 1)),
            ("points spent / points recorded", f"{lat['points_spent']} / {lat['points_quoted_and_recorded']}", "equal", _met(lat["points_spent"] == lat["points_quoted_and_recorded"])),
        ]  # fmt: skip
    if tabs:
        rows.append(
            (
                f"task queries, {tabs['tabs']} tabs / 1 tab",
                f"{tabs['many_tabs']:.2f} / {tabs['one_tab']:.2f} = {tabs['ratio']:.2f}",
                "1.0",
                _met(abs(tabs["ratio"] - 1) < 1e-9),
            )
        )
    for name in ("history", "team_gallery", "run_page", "progress_fragment", "trivial"):
        if name in pages:
            p = pages[name]
            target = "<= 3.0" if name in ("history", "team_gallery") else ""
            met = _met(p["p95_over_trivial"] <= 3) if target else ""
            rows.append(
                (
                    f"{name}: rps, p95 ms, p95/trivial",
                    f"{p['rps']:.0f}, {p['p95_ms']:.1f}, {p['p95_over_trivial']:.2f}",
                    target,
                    met,
                )
            )
    if weight:
        rows.append(
            (
                "history page bytes / full-size page",
                f"{weight['page_bytes']:,} / {weight['full_size_page_bytes']:,} = {weight['ratio']:.3f}",
                "<= 0.05",
                _met(weight["ratio"] <= 0.05),
            )
        )
    if memory:
        rows.append(
            (
                f"worker RSS over {memory['runs']} runs x {memory['images_each']} images",
                f"{memory['rss_before_mb']:.1f} -> {memory['rss_after_mb']:.1f} MB (+{memory['growth_mb']:.1f})",
                "<= +20 MB",
                _met(memory["growth_mb"] <= 20),
            )
        )
    if results.get("batch"):
        rows += batch_rows(results["batch"], POLL_INTERVAL)
    if results.get("fairness"):
        rows += fairness_rows(results["fairness"])
    if results.get("holds"):
        rows += holds_rows(results["holds"])
    return rows


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


GENERATED_START = "<!-- make bench: start (this block is rewritten by every run) -->"
GENERATED_END = "<!-- make bench: end -->"


def write_docs(results: dict, text: str) -> None:
    """Rewrite the generated block of docs/performance.md; other sections stay."""
    m = results["machine"]
    block = f"""{GENERATED_START}
Figures from `make bench` ({m["date"]}) on {m["cores"]} cores ({m["cpu"]}),
Python {m["python"]}, database {m["database"]}. The production profile ran on free
ports: gunicorn (2 processes x 4 threads), two `runworker` processes (one for the
memory scenario), the sandbox with a fixed task duration of {TASK_SECONDS} s, poll
interval {POLL_INTERVAL} s. Raw figures: `bench/results.json`. One scenario can be
run again alone (`python bench/run.py --only batch`): its figures replace its own in
`bench/results.json` and the table below is rebuilt from that file.

```
{text}
```

How each figure is taken:
1. Result latency: generations (2 images each) from several users submitting at once
   through the web. Latency is the moment our database marks the run completed (all
   images copied, thumbnails made: what the progress fragment then shows) minus the
   moment the sandbox's task completed. Each run is then checked over HTTP: the
   fragment says completed and stops polling, and the image URL answers 200. In the
   browser, htmx's 2 s fragment cadence comes on top of this.
2. Upstream economy: calls counted at the sandbox. The floor is 1 upload + 1 generate +
   ceil(duration / interval) + 1 task queries. We stay below it because the first task
   query comes 5 s after submitting, as the API text asks. The tab ratio compares task
   queries per generation with many browser tabs polling each page against one tab.
3. Page speed: 10,000 shared generations with 40,000 images for one user; 20 keep-alive
   connections; each page's p95 against `/ping` served by the same processes.
4. Page weight: one history page of 50 cards (HTML, CSS, JS, thumbnails as transferred,
   gzip accepted) against the same page with the full-size images.
5. Worker memory: one worker's RSS after a 50-run warm-up and after more runs of 4 images.
6. Batch: a ZIP of photos posted to the batch form, checked by the workers, started;
   when half the items are sent one worker is SIGKILLed and a fresh one started. Wall
   time runs from "start" until every run is completed or failed; the floor is
   items / BATCH_SEND_RATE + one task duration. Generate calls and points are counted
   at the sandbox; "lost" are items without a run, "sent twice" is generate calls minus
   runs. Latency is our copy's completion minus the sandbox task's, over every run of
   the batch, with the peak number of runs at A1 at once shown beside it. The takeover
   row counts the leases (runs, items) naming the killed worker at its death and the
   seconds until none does; the slowest run is held to 2 x poll interval + one task.
7. Fair share: one person's batch of 500 photos is started and left to get 40 items
   sent; then a second person starts a batch of 10. Its first result (our copy done,
   from its "start") is held to one send interval (1 / BATCH_SEND_RATE) plus one task
   duration, and its last to its own pace floor (10 / BATCH_SEND_RATE + one task, as if
   it were alone) x 1.2. The big batch is cancelled once the small one is done.
8. Budget check and hold (bench/holds.py): in the bench's process on its database, a
   person and their team with budgets and 20,000 ledger entries this month; 1,000 runs
   opened as `run_open` opens them, timed part by part. The check and the hold are the
   overhead per run (LiteLLM publishes 2-12 ms median for its budget check); the run's
   row is what any portal writes anyway.
{GENERATED_END}"""
    path = ROOT / "docs" / "performance.md"
    current = path.read_text() if path.exists() else "# Performance\n"
    if GENERATED_START in current and GENERATED_END in current:
        before, rest = current.split(GENERATED_START, 1)
        after = rest.split(GENERATED_END, 1)[1]
        path.write_text(before + block + after)
    else:
        path.write_text(
            "# Performance\n\n" + block + "\n\n" + current.removeprefix("# Performance\n")
        )


SCENARIOS = ("latency", "tabs", "pages", "weight", "memory", "batch", "fairness", "holds")


def main_retention(quick: bool) -> None:
    """The retention scenario alone: no web or worker processes, a fresh database."""
    stack = Stack(Path(tempfile.mkdtemp(prefix="a1bench-")), task_seconds=1, poll_interval=1)
    results: dict = {}
    try:
        stack.prepare()
        setup_django(stack)
        results["machine"] = machine()
        print("retention job over seeded runs...", flush=True)
        results["retention"] = scenario_retention(runs=2_000 if quick else 100_000)
    finally:
        stack.cleanup()
    text = section(results["retention"], results["machine"]["database"])
    print(text)
    database = results["machine"]["database"]
    out = ROOT / "bench" / f"results-retention-{database}{'-quick' if quick else ''}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    if not quick:
        update_docs(ROOT / "docs" / "performance.md", text, database)
    print(f"\nwrote {out.relative_to(ROOT)}" + ("" if quick else " and docs/performance.md"))


def run_galleries(quick: bool) -> None:
    """History and the team gallery at 10,000 and 100,000 runs, on a stack of their own."""
    print("the galleries at 10,000 and 100,000 runs...", flush=True)
    galleries = [sys.executable, str(ROOT / "bench" / "galleries.py")]
    subprocess.run(galleries + (["--quick"] if quick else []), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small counts, to check the harness")
    parser.add_argument(
        "--only",
        default="",
        help=f"comma-separated scenarios: {', '.join((*SCENARIOS, 'galleries', 'retention'))}",
    )
    args = parser.parse_args()
    apart = ("galleries", "retention")  # each on a stack and database of its own
    # Everything but the retention job (100,000 runs seeded: on demand, `--only retention`).
    chosen = [s for s in args.only.split(",") if s] or [*SCENARIOS, "galleries"]
    unknown = set(chosen) - {*SCENARIOS, *apart}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    out = ROOT / "bench" / ("results-quick.json" if args.quick else "results.json")
    suffix = "-quick" if args.quick else ""
    database = os.environ.get("BENCH_DATABASE_URL", "sqlite:").split(":", 1)[0]
    if chosen == ["galleries"]:  # alone: its own stack, no need for this one
        run_galleries(args.quick)
        _gather(out, "galleries", ROOT / "bench" / f"results-galleries-{database}{suffix}.json")
        return
    if chosen == ["retention"]:
        main_retention(args.quick)  # alone: its own fresh database, no web or workers
        _gather(out, "retention", ROOT / "bench" / f"results-retention-{database}{suffix}.json")
        return
    users, per_user = (4, 2) if args.quick else (20, 5)
    memory_runs = 40 if args.quick else 1000
    batch_items = 40 if args.quick else 500
    fair_big, fair_small = (100, 10) if args.quick else (500, 10)
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="a1bench-")),
        task_seconds=TASK_SECONDS,
        poll_interval=POLL_INTERVAL,
    )
    results: dict = json.loads(out.read_text()) if args.only and out.exists() else {}
    try:
        stack.prepare()
        setup_django(stack)
        results["machine"] = machine()
        team = make_users(users)
        stack.start()
        step = 0

        def announce(text: str) -> None:
            nonlocal step
            step += 1
            print(f"{step}/{len(chosen)} {text}...", flush=True)

        if "latency" in chosen:
            announce("result latency and upstream economy")
            results["latency"] = scenario_latency(stack, users, per_user)
        if "tabs" in chosen:
            announce("browser tabs")
            results["tabs"] = scenario_tabs(stack, tabs=10, count=4 if args.quick else 10)
        if "batch" in chosen:
            announce(f"a batch of {batch_items} photos, one worker killed halfway")
            results["batch"] = scenario_batch(
                stack,
                batch_items,
                rate=float(stack.env["BATCH_SEND_RATE"]),
                task_seconds=TASK_SECONDS,
                poll_interval=POLL_INTERVAL,
            )
        if "fairness" in chosen:
            announce(f"fair share: {fair_small} items started after {fair_big}")
            results["fairness"] = scenario_fairness(
                stack,
                big=fair_big,
                small=fair_small,
                rate=float(stack.env["BATCH_SEND_RATE"]),
                task_seconds=TASK_SECONDS,
            )
        if "pages" in chosen:
            announce("page speed (seeding 10,000 generations)")
            results["pages"] = scenario_pages(stack, team, 20, 10 if args.quick else 25)
        if "weight" in chosen:
            announce("page weight")
            from generator.models import Run

            # The runs people made through the form (the latency scenario's), oldest
            # first: a batch's small results would make any page look heavy or light.
            sources = [
                str(pk)
                for pk in Run.objects.filter(
                    user__username__startswith="user", state="completed", batch__isnull=True
                )
                .order_by("created", "pk")
                .values_list("pk", flat=True)
            ]
            if not sources:  # run alone: make a few runs to weigh
                ids = [submit(login(stack.url, "user00"), stack.url, photo()) for _ in range(4)]
                wait_done(ids)
                sources = ids
            results["weight"] = scenario_weight(stack, sources)
        if "memory" in chosen:
            announce(f"worker memory ({memory_runs} generations)")
            results["memory"] = scenario_memory(stack, memory_runs, 4)
        if "holds" in chosen:
            announce("the budget check and the hold, per run")
            results["holds"] = scenario_holds(runs=200 if args.quick else 1000)
    finally:
        stack.cleanup()
    out.write_text(json.dumps(results, indent=2, default=str))  # kept, whatever follows
    text = table(results)
    print(text)
    if not args.quick:
        write_docs(results, text)
    print(f"\nwrote {out.relative_to(ROOT)}" + ("" if args.quick else " and docs/performance.md"))
    if "galleries" in chosen:
        run_galleries(args.quick)
        _gather(out, "galleries", ROOT / "bench" / f"results-galleries-{database}{suffix}.json")
    if "retention" in chosen:
        # The retention job, in a process of its own (a fresh database, its own settings).
        print("and the retention job...", flush=True)
        only = [sys.executable, str(Path(__file__).resolve()), "--only", "retention"]
        subprocess.run(only + (["--quick"] if args.quick else []), check=True)  # gathers


def _gather(out: Path, name: str, part: Path) -> None:
    """One results file: a scenario run on a stack of its own joins the others' file."""
    results = json.loads(out.read_text()) if out.exists() else {}
    results[name] = json.loads(part.read_text())
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"{name}: figures gathered into {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
