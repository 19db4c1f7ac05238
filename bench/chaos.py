"""`make chaos`: the portal on the production profile while what it stands on fails.

Starts its own PostgreSQL cluster, redis-server, moto's S3 server behind a proxy it
controls, the sandbox, gunicorn and two workers, all on free ports; drives the soak's
users and a running batch; and injects, one at a time and then two at once: PostgreSQL
stopped and started again, and restarted abruptly; Redis stopped; S3 answering 503,
then stalling; a worker SIGKILLed mid-copy and mid-submit; a web process SIGKILLed
mid-upload; one worker's clock two minutes ahead; eight trickling image links; and, on
a second stack keeping its media on a small tmpfs, the media disk full. Per fault it
prints what people saw, runs lost, runs sent twice (the sandbox's records), holds left
open, `storage_check`'s orphans, and the seconds from the service's return to the first
completed run. Tears everything down, even on failure; exits non-zero on any loss,
double send, leaked hold, orphan, bare 5xx or hung request.

CHAOS_QUICK=1 shortens every outage (a run of a few minutes); CHAOS_ONLY=name,name runs
only those faults; CHAOS_KEEP=1 keeps the temporary directory (logs) afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench import chaos_load as measure
from bench.chaos_report import POLL_INTERVAL, report
from bench.chaos_services import (
    Postgres,
    Redis,
    S3Proxy,
    SmallDisk,
    children,
    faketime_library,
    kill,
    owner_of_connection,
    wait_for,
)
from bench.harness import PASSWORD, ROOT, Stack, login
from bench.run import make_users, photo, setup_django

QUICK = os.environ.get("CHAOS_QUICK", "") not in {"", "0"}
# The whole run is bounded: a fault that would start past this many minutes is not run,
# and says so (an error row: the exit is non-zero). 30 for the full run, 15 quick.
BUDGET_MINUTES = float(os.environ.get("CHAOS_BUDGET_MINUTES") or (15 if QUICK else 30))
ONLY = {name for name in os.environ.get("CHAOS_ONLY", "").split(",") if name}
TASK_SECONDS = 3.0


def seconds(full: float, quick: float) -> float:
    return quick if QUICK else full


class Chaos:
    def __init__(self, workdir: Path, pg: Postgres, redis: Redis) -> None:
        self.workdir, self.pg, self.redis = workdir, pg, redis
        self.rows: list[dict] = []
        self.batches: dict[str, list[str]] = {}
        self.stack: Stack
        self.load: measure.Load
        self.s3: S3Proxy | None = None
        self.disk: SmallDisk | None = None
        self.spare = 0  # replacement workers started so far
        self.exits: dict[str, int] = {}  # processes that exited by themselves, by fault
        self.supervising = threading.Event()
        self.baseline = {"sent_twice": 0, "leaked": 0, "orphans": 0, "missing": 0}
        self.began = time.monotonic()

    # --- the stack ----------------------------------------------------------------------

    def stack_up(self, name: str, *, database: str, storage: dict[str, str], users: int) -> None:
        stack = Stack(self.workdir / name, task_seconds=TASK_SECONDS, poll_interval=POLL_INTERVAL)
        stack.env.update(
            {
                "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg.port}/{database}",
                "CACHE_URL": self.redis.url,
                "BATCH_SEND_RATE": "2",
                "BATCH_MAX_IN_FLIGHT": "20",
                "IMAGE_URL_ALLOW_PRIVATE": "1",  # the trickling server lives on loopback
                "IMAGE_LINK_DEADLINE": "8",
                "LOG_LEVEL": "INFO",
                **storage,
            }
        )
        if os.environ.get("CHAOS_KEEP"):  # each request's server-side ms, kept with the logs
            stack.access_log = str(self.workdir / f"{name}-access.log")
        for key in [k for k in stack.env if k.startswith("S3_") and k not in storage]:
            del stack.env[key]  # inherited from the first stack through os.environ
        if database != "a1chaos":
            pg_create(self.pg, database)
        stack.prepare()
        setup_django(stack)
        # Django is set up once the stack's settings are known (setup_django)
        from django.db import connections

        # A second stack has a database of its own: this process follows it there.
        connections.close_all()
        connections["default"].settings_dict["NAME"] = database
        make_users(users)
        # Django is set up once the stack's settings are known (setup_django)
        from django.contrib.auth import get_user_model

        get_user_model().objects.create_user("batcher", password=PASSWORD)
        stack.start(workers=2, web_workers=2)
        self.stack = stack
        self.load = measure.Load(stack, photo(), users)
        self.load.start()
        self.supervising = threading.Event()
        threading.Thread(target=self.supervise, args=(stack, self.supervising), daemon=True).start()

    def supervise(self, stack: Stack, stopped: threading.Event) -> None:
        """What systemd does in production (docs/operators.md, "restarted on exit"): a
        worker or gunicorn that exited is started again a second later, and counted."""
        while not stopped.wait(1.0):
            for name, process in list(stack.processes.items()):
                if name == "sandbox" or process.poll() is None:
                    continue
                if stack.processes.get(name) is not process:
                    continue  # stopped or killed on purpose meanwhile
                self.exits[self.load.phase] = self.exits.get(self.load.phase, 0) + 1
                print(f"    {name} exited ({process.returncode}): started again", flush=True)
                if name == "web":
                    stack.processes.pop(name)
                    stack._spawn("web", self.web_command(stack))
                else:
                    self.start_worker(name)

    def web_command(self, stack: Stack) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
            "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{stack.web_port}", "--workers", "2",
            "--access-logfile", stack.access_log,
        ]  # fmt: skip

    def stack_down(self) -> None:
        self.supervising.set()
        self.load.stop()
        self.stack.cleanup()
        # Django is set up once the stack's settings are known (setup_django)
        from django.db import connections

        connections.close_all()

    def worker_pids(self) -> dict[str, int]:
        return {n: p.pid for n, p in self.stack.processes.items() if n.startswith("worker")}

    def worker_kill(self, name: str) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would; a fresh worker
        (another name, as on another machine) takes its place."""
        process = self.stack.processes.pop(name)
        kill(process.pid)
        process.wait(timeout=30)
        self.spare += 1
        self.start_worker(f"worker-spare{self.spare}")

    def start_worker(self, name: str, **env: str) -> None:
        saved = dict(self.stack.env)
        self.stack.env.update(env)
        try:
            self.stack.start_worker(name)
        finally:
            self.stack.env.clear()
            self.stack.env.update(saved)

    # --- one fault ------------------------------------------------------------------------

    def fault(self, name: str, inject, *, batch_items: int = 0) -> None:
        if ONLY and name not in ONLY:
            return
        print(f"--- {name}", flush=True)
        # Django is set up once the stack's settings are known (setup_django)
        from django.db import connections

        row: dict = {"fault": name, "error": ""}
        # A fault takes up to 3 minutes at worst (outage, settle, account).
        if time.monotonic() - self.began > (BUDGET_MINUTES - 3) * 60:
            row["error"] = f"not run: the run's {BUDGET_MINUTES:.0f} minutes were used up"
            print(f"    {row['error']}", flush=True)
            self.rows.append(row)
            return
        self.load.phase = name
        self.load.paused.clear()
        started = time.monotonic()
        try:
            if batch_items:
                self.batches.setdefault(name, []).append(
                    measure.batch_start(self.stack, batch_items)
                )
            time.sleep(seconds(4, 2))  # in flight when it hits
            back = inject(row)  # wall-clock time the service returned
            connections.close_all()
            row["first_completed_s"] = first_completed_after(back, timeout=45)
            time.sleep(seconds(5, 3))
        except Exception as exc:  # the suite goes on to the next fault and says what broke
            row["error"] = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
        self.load.paused.set()
        with contextlib.suppress(Exception):
            connections.close_all()
        self.settle(name)
        self.account(name, row)
        row["exits"] = self.exits.get(name, 0)
        row["wall_s"] = time.monotonic() - started
        self.rows.append(row)
        print(json.dumps(row), flush=True)

    def settle(self, name: str, timeout: float | None = None) -> None:
        """Users paused: wait for runs and items in flight to end (bounded)."""
        if name == "*":
            runs, batches = list(self.load.runs), [b for bs in self.batches.values() for b in bs]
        else:
            runs = [pk for pk, phase in self.load.runs.items() if phase == name]
            batches = self.batches.get(name, [])
        with contextlib.suppress(RuntimeError):
            wait_for(
                lambda: measure.open_runs(runs, batches) == 0,
                timeout or seconds(60, 40),
                "runs to settle",
                step=0.5,
            )

    def account(self, name: str, row: dict) -> None:
        outcomes = self.load.outcomes(name)
        row["requests"] = sum(outcomes.values())
        row["outcomes"] = dict(outcomes)
        row["bad_requests"] = self.load.bad_details(name)[:10]
        twice = measure.sent_twice(self.stack)
        leaked = measure.holds_leaked()
        orphans, missing, summary = measure.storage_check(self.stack)
        row["sent_twice"] = twice - self.baseline["sent_twice"]
        row["holds_leaked"] = len(leaked) - self.baseline["leaked"]
        row["leaked_examples"] = leaked[:5]
        row["orphans"] = max(orphans, 0) - self.baseline["orphans"]
        row["rows_without_files"] = max(missing, 0) - self.baseline["missing"]
        row["storage_check"] = summary
        self.baseline = {
            "sent_twice": twice,
            "leaked": len(leaked),
            "orphans": max(orphans, 0),
            "missing": max(missing, 0),
        }

    def lost_by_fault(self) -> None:
        """After the last fault, and a last wait: runs of each fault that never ended well."""
        self.settle("*", timeout=seconds(120, 60))
        for row in self.rows:
            if row.get("lost") is not None:
                continue
            runs = [pk for pk, phase in self.load.runs.items() if phase == row["fault"]]
            batches = self.batches.get(row["fault"], [])
            unknown = measure.outcome_unknown(self.stack, runs, batches)
            found = measure.lost(self.stack, runs, batches, unknown=unknown)
            row["runs_given"] = len(runs)
            row["lost"] = len(found)
            row["lost_examples"] = found[:5]
            row["outcome_unknown"] = len(unknown)

    # --- the faults -----------------------------------------------------------------------

    def pg_stop(self, row: dict) -> float:
        self.pg.stop("fast")
        time.sleep(seconds(20, 8))
        self.pg.start()
        return time.time()

    def pg_crash(self, row: dict) -> float:
        self.pg.stop("immediate")
        self.pg.start()
        return time.time()

    def redis_stop(self, row: dict) -> float:
        self.redis.stop()
        time.sleep(seconds(30, 10))
        self.redis.start()
        return time.time()

    def s3_mode(self, mode: str, duration: float):
        def inject(row: dict) -> float:
            assert self.s3 is not None
            self.s3.set_mode(mode)
            time.sleep(duration)
            self.s3.set_mode("pass")
            return time.time()

        return inject

    def worker_kill_mid_copy(self, row: dict) -> float:
        """Result downloads held at the sandbox's gate; the worker copying is SIGKILLed."""
        # Django is set up once the stack's settings are known (setup_django)
        from generator.models import Run

        self.stack.sandbox("POST", "files/gate", json={"open": False})
        try:
            pids = self.worker_pids()
            wait_for(
                lambda: (
                    Run.objects.filter(state="copying").exclude(claimed_by="").exists()
                    or self.stack.sandbox("GET", "stats")["files_waiting"] > 0
                ),
                60,
                "a worker copying a result",
            )
            name, pid = self.victim(Run.objects.filter(state="copying"), pids)
            self.worker_kill(name)
            killed = time.time()
        finally:
            self.stack.sandbox("POST", "files/gate", json={"open": True})
        row["takeover_s"] = measure.takeover(f":{pid}", killed, row)
        return killed

    def worker_kill_mid_submit(self, row: dict) -> float:
        """A1 takes 4 s to answer generate (the task is made first): the worker sending a
        batch item is SIGKILLed while it waits for the answer."""
        # Django is set up once the stack's settings are known (setup_django)
        from generator.models import BatchItem

        self.stack.sandbox("POST", "knobs", json={"latency": 4, "faults_on": "generate"})
        try:
            pids = self.worker_pids()
            wait_for(
                lambda: BatchItem.objects.filter(state="sending").exclude(claimed_by="").exists(),
                60,
                "a worker sending a batch item",
            )
            name, pid = self.victim(BatchItem.objects.filter(state="sending"), pids)
            self.worker_kill(name)
            killed = time.time()
        finally:
            self.stack.sandbox("POST", "knobs", json={"latency": 0, "faults_on": "*"})
        row["takeover_s"] = measure.takeover(f":{pid}", killed, row)
        return killed

    def victim(self, rows, pids: dict[str, int]) -> tuple[str, int]:
        """The worker named on one of these rows' leases (else the first worker)."""
        for holder in rows.exclude(claimed_by="").values_list("claimed_by", flat=True):
            for name, pid in pids.items():
                if holder.endswith(f":{pid}"):
                    return name, pid
        name = sorted(pids)[0]
        return name, pids[name]

    def web_kill_mid_upload(self, row: dict) -> float:
        """A photo uploaded slowly; the web process receiving it is SIGKILLed halfway."""
        session = login(self.stack.url, "user00")
        form = session.get(f"{self.stack.url}/apps/{measure.WATERCOLOR}/", timeout=30)
        boundary = uuid.uuid4().hex
        fields = {"idempotency_key": str(uuid.uuid4()), "style": "183854633550716522", "size": "1", "generate_num": "1"}  # fmt: skip
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{measure.SLOT}"; '
                'filename="me.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            ).encode()
            + self.load.image
            + f"\r\n--{boundary}--\r\n".encode()
        )
        connection = http.client.HTTPConnection("127.0.0.1", int(self.stack.web_port), timeout=30)
        connection.putrequest("POST", f"/apps/{measure.WATERCOLOR}/")
        cookies = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        for header, value in {
            "Cookie": cookies,
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(len(body)),
            "X-CSRFToken": session.cookies.get("csrftoken") or "",
            "Referer": form.url,
        }.items():
            connection.putheader(header, value)
        connection.endheaders()
        half = len(body) // 2
        step = max(1, half // 20)
        for offset in range(0, half, step):
            connection.send(body[offset : offset + step])
            time.sleep(0.1)
        master = self.stack.processes["web"].pid
        web = children(master)
        sock = connection.sock
        assert sock is not None
        pid = owner_of_connection(sock.getsockname()[1], web) or web[0]
        row["killed"] = "the web process receiving it" if pid in web else "a web process"
        kill(pid)
        killed = time.time()
        outcome = "dropped"
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection.send(body[half:])
            outcome = f"HTTP {connection.getresponse().status}"
        row["upload_outcome"] = outcome
        wait_for(lambda: len(children(master)) >= 2, 60, "gunicorn to replace its web process")
        return killed

    def clock_ahead(self, row: dict) -> float:
        """worker1 replaced by a worker whose clock (libfaketime) runs two minutes ahead."""
        library = faketime_library()
        if library is None:
            row["error"] = "libfaketime is not installed (apt-get install libfaketime)"
            return time.time()
        victim = next(n for n in self.stack.processes if n.startswith("worker") and n != "worker0")
        self.stack.stop(victim)
        self.start_worker(
            "worker-ahead",
            LD_PRELOAD=library,
            FAKETIME="+2m",
            FAKETIME_DONT_FAKE_MONOTONIC="1",
            FAKETIME_NO_CACHE="1",
        )
        # 30 s: some thirty polls and several sweeps and chores by the clock that is ahead
        # (the first full runs held it for 60 s and saw nothing more).
        time.sleep(seconds(30, 20))
        self.stack.stop("worker-ahead")
        self.start_worker(victim)
        return time.time()

    def two_at_once(self, first, second):
        def inject(row: dict) -> float:
            with ThreadPoolExecutor(2) as pool:
                one, two = pool.submit(first, row), pool.submit(second, row)
                return max(one.result(), two.result())

        return inject

    def image_links(self, row: dict) -> float:
        """Eight links to a server that trickles a byte every 0.2 s, given at once."""
        # the tests' hostile servers, loaded only for this fault
        from tests.hostile_net import LocalServer, trickle_body

        trickle = LocalServer(trickle_body(step=0.2))
        session = login(self.stack.url, "user01")
        form = session.get(f"{self.stack.url}/apps/{measure.WATERCOLOR}/", timeout=30)
        # Each answer's seconds, before the links (the same users' load, no link) and
        # while they trickle: a slow history page under both is the machine, not threads.
        took: dict[str, list[float]] = {"/ping": [], "/history/": [], "before /ping": [], "before /history/": []}  # fmt: skip
        phase = ["before "]
        done = threading.Event()

        def give(n: int) -> str:
            try:
                response = session.post(
                    f"{self.stack.url}/apps/{measure.WATERCOLOR}/",
                    data={
                        "idempotency_key": str(uuid.uuid4()),
                        "style": "183854633550716522",
                        "size": "1",
                        "generate_num": "1",
                        f"{measure.SLOT}_url": trickle.url(f"/photo-{n}.jpg"),
                    },
                    headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": form.url},
                    allow_redirects=False,
                    timeout=measure.HUNG_AFTER,
                )
            except requests.Timeout:
                return "hung"
            return measure.classify(response.status_code, response.text)

        def watch() -> None:
            watcher = login(self.stack.url, "user02")
            while not done.is_set():
                for path in ("/ping", "/history/"):
                    started = time.monotonic()
                    try:
                        watcher.get(self.stack.url + path, timeout=measure.HUNG_AFTER)
                        seconds_taken = time.monotonic() - started
                    except requests.RequestException:
                        seconds_taken = measure.HUNG_AFTER
                    took[phase[0] + path].append(seconds_taken)
                time.sleep(0.2)

        watching = threading.Thread(target=watch, daemon=True)
        try:
            watching.start()
            time.sleep(seconds(8, 5))
            phase[0] = ""
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(give, range(8)))
        finally:
            done.set()
            watching.join(timeout=measure.HUNG_AFTER + 5)
            trickle.stop()
        row["link_answers"] = dict(Counter(answers))
        row["ping_max_s"] = max(took["/ping"], default=0.0)
        row["history_max_s"] = max(took["/history/"], default=0.0)
        for key, values in took.items():
            ordered = sorted(values)
            row[f"{key} (n, median, max)"] = (
                [len(ordered), ordered[len(ordered) // 2], ordered[-1]] if ordered else []
            )
        return time.time()

    def disk_full(self, row: dict) -> float:
        assert self.disk is not None
        if not self.disk.mounted:
            row["error"] = "mount is not allowed here: the media directory could not be filled"
            return time.time()
        self.disk.fill()
        time.sleep(seconds(30, 12))
        self.disk.free()
        return time.time()


def pg_create(pg: Postgres, database: str) -> None:
    # the PostgreSQL driver, loaded only when a second database is made
    import psycopg

    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:{pg.port}/postgres", autocommit=True
    ) as c:
        c.execute(f'CREATE DATABASE "{database}"')


def first_completed_after(back: float, timeout: float) -> float | None:
    """Seconds from `back` to the first run that completed after it (None: none did)."""
    # Django is set up once the stack's settings are known (setup_django)
    from django.db import connections

    # Django is set up once the stack's settings are known (setup_django)
    from generator.models import Run

    moment = datetime.fromtimestamp(back, UTC)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            first = (
                Run.objects.filter(state="completed", finished_at__gt=moment)
                .order_by("finished_at")
                .values_list("finished_at", flat=True)
                .first()
            )
        except Exception:  # the database is still coming back: ask again
            connections.close_all()
            first = None
        if first is not None:
            return first.timestamp() - back
        time.sleep(0.25)
    return None


def main() -> int:
    # A SIGTERM (a timeout, a CI job cancelled) tears down like a failure does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="a1chaos-"))
    users = 4 if QUICK else 6
    items = 8 if QUICK else 16
    pg, redis = Postgres(), Redis(workdir)
    s3 = S3Proxy(workdir)
    chaos = Chaos(workdir, pg, redis)
    started = time.monotonic()
    try:
        pg.init()
        redis.start()
        s3.start()
        chaos.s3 = s3
        print(f"chaos: PostgreSQL :{pg.port}, Redis :{redis.port}, S3 :{s3.port} -> moto :{s3.upstream_port}; logs in {workdir}", flush=True)  # fmt: skip
        chaos.stack_up("s3", database="a1chaos", storage=s3.env(), users=users)
        chaos.fault("warm-up (no fault)", lambda row: time.time(), batch_items=items)
        chaos.fault("PostgreSQL stopped and started again", chaos.pg_stop, batch_items=items)
        chaos.fault("PostgreSQL restarted abruptly (immediate)", chaos.pg_crash, batch_items=items)
        chaos.fault("Redis stopped", chaos.redis_stop, batch_items=items)
        chaos.fault("S3 answers 503", chaos.s3_mode("503", seconds(60, 15)), batch_items=items)
        chaos.fault("S3 stalls", chaos.s3_mode("stall", seconds(60, 15)), batch_items=items)
        chaos.fault("worker SIGKILLed mid-copy", chaos.worker_kill_mid_copy)
        chaos.fault("worker SIGKILLed mid-submit", chaos.worker_kill_mid_submit, batch_items=items * 2)  # fmt: skip
        chaos.fault("web process SIGKILLed mid-upload", chaos.web_kill_mid_upload)
        chaos.fault("one worker's clock 2 min ahead", chaos.clock_ahead, batch_items=items)
        chaos.fault("eight trickling image links", chaos.image_links)
        chaos.fault(
            "PostgreSQL restarted abruptly + Redis stopped",
            chaos.two_at_once(chaos.pg_crash, chaos.redis_stop),
            batch_items=items,
        )
        chaos.fault(
            "S3 answers 503 + worker SIGKILLed mid-submit",
            chaos.two_at_once(chaos.s3_mode("503", seconds(30, 10)), chaos.worker_kill_mid_submit),
            batch_items=items * 2,
        )
        chaos.lost_by_fault()
        chaos.stack_down()
        s3.cleanup()
        chaos.s3 = None
        # Local storage on a small filesystem, for the full disk.
        chaos.disk = SmallDisk(workdir / "local")
        if not ONLY or "media disk full (local storage)" in ONLY:
            chaos.stack_up("local", database="a1chaos_local", storage={"MEDIA_ROOT": str(chaos.disk.path)}, users=users)  # fmt: skip
            chaos.baseline = {"sent_twice": 0, "leaked": 0, "orphans": 0, "missing": 0}
            chaos.fault("media disk full (local storage)", chaos.disk_full, batch_items=items)
            chaos.lost_by_fault()
            chaos.stack_down()
    except Exception:
        traceback.print_exc()
        chaos.rows.append({"fault": "the suite itself", "error": traceback.format_exc(limit=3)})
    finally:
        with contextlib.suppress(Exception):
            chaos.load.stop()
        with contextlib.suppress(Exception):
            chaos.stack.cleanup()
        s3.cleanup()
        redis.cleanup()
        pg.cleanup()
        if chaos.disk is not None:
            chaos.disk.cleanup()
        if not os.environ.get("CHAOS_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
    return report(chaos.rows, time.monotonic() - started, quick=QUICK)


if __name__ == "__main__":
    sys.exit(main())
