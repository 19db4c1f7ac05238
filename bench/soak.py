"""`make soak`: 50 simulated users for 10 minutes against the production profile,
with the sandbox adding latency and faults. Reports 5xx answers, lost or duplicated
runs, p95 page latency and memory. Exits non-zero if any run is lost or doubled
or the portal answered 5xx.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from bench.harness import ROOT, Stack, login, percentile, rss_mb
from bench.run import make_users, photo, setup_django, submit, wait_done

PAGES = ["/apps/", "/history/", "/team/", "/apps/1838546335502970881/"]


class Observed(TypedDict):
    """What the simulated users saw, gathered across their threads."""

    latencies: list[float]  # seconds per request
    status: dict[int, int]  # answers per HTTP status
    runs: list[str]  # ids of the runs started
    refused: list[str]  # refusals' messages
    client_errors: list[str]  # exceptions' names


def user_loop(
    session, name: str, stack: Stack, until: float, image: bytes, out: Observed, lock
) -> None:
    rng = random.Random(name)
    mine = []
    while time.monotonic() < until:
        try:
            if rng.random() < 0.15:
                mine.append(submit(session, stack.url, image, num=1))
                continue
            path = rng.choice(PAGES + [f"/generations/{g}/progress/" for g in mine[-3:]])
            started = time.perf_counter()
            response = session.get(stack.url + path, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                out["latencies"].append(elapsed)
                out["status"][response.status_code] = out["status"].get(response.status_code, 0) + 1
        except RuntimeError as exc:  # a refused submission: counted, the user goes on
            with lock:
                out["refused"].append(str(exc))
        except requests.RequestException as exc:
            with lock:
                out["client_errors"].append(type(exc).__name__)
        time.sleep(rng.uniform(0.2, 1.0))  # think time
    with lock:
        out["runs"].extend(mine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    stack = Stack(Path(tempfile.mkdtemp(prefix="a1soak-")), task_seconds=6, poll_interval=2)
    out: Observed = {"latencies": [], "status": {}, "runs": [], "refused": [], "client_errors": []}
    try:
        stack.prepare()
        setup_django(stack)
        make_users(args.users)
        stack.start(web_workers=2)
        stack.sandbox(
            "POST",
            "knobs",
            json={
                "latency": 0.1,
                "error_rate": 0.05,
                "drop_rate": 0.02,
                "faults_on": "app,upload,task,files",
            },
        )
        memory_start = {n: rss_mb(p.pid) for n, p in stack.processes.items() if n != "sandbox"}
        lock = threading.Lock()
        image = photo()
        # Ramp-up: everyone logs in first (each log-in is a deliberately slow password hash).
        sessions = {f"user{n:02d}": login(stack.url, f"user{n:02d}") for n in range(args.users)}
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=user_loop, args=(session, name, stack, until, image, out, lock))
            for name, session in sessions.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stack.sandbox("POST", "knobs", json={"latency": 0, "error_rate": 0, "drop_rate": 0})
        from django.db.models import Count

        from generator.models import Run

        wait_done(out["runs"], timeout=600)
        memory_end = {n: rss_mb(p.pid) for n, p in stack.processes.items() if n != "sandbox"}
        states = dict(Run.objects.values_list("state").annotate(n=Count("pk")))
        calls = stack.sandbox("GET", "stats")["calls"]
        server_errors = sum(n for status, n in out["status"].items() if status >= 500)
        report = {
            "seconds": args.seconds,
            "users": args.users,
            "requests": len(out["latencies"]),
            "status": out["status"],
            "server_errors": server_errors,
            "p50_ms": percentile(out["latencies"], 50) * 1000,
            "p95_ms": percentile(out["latencies"], 95) * 1000,
            "runs_submitted": len(out["runs"]),
            "runs_in_db": Run.objects.count(),
            "states": states,
            "generate_calls": calls.get("generate", 0),
            "refused": len(out["refused"]),
            "client_errors": len(out["client_errors"]),
            "memory_start_mb": memory_start,
            "memory_end_mb": memory_end,
        }
    finally:
        stack.cleanup()
    print(json.dumps(report, indent=2))
    (ROOT / "bench" / "soak-results.json").write_text(json.dumps(report, indent=2))
    lost = (
        report["runs_in_db"]
        - report["states"].get("completed", 0)
        - report["states"].get("failed", 0)
        - report["states"].get("unknown", 0)
    )
    doubled = report["generate_calls"] - report["runs_in_db"]
    ok = (
        server_errors == 0
        and lost == 0
        and doubled == 0
        and report["runs_in_db"] == report["runs_submitted"]
    )
    print(
        "soak:",
        "held" if ok else "FAILED",
        f"(5xx {server_errors}, lost {lost}, sent twice {doubled})",
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
