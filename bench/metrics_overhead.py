"""What the metrics cost a page: the same pages on two gunicorn servers side by side,
one with metrics on (PROMETHEUS_MULTIPROC_DIR, the request middleware) and one with
METRICS_ENABLED=0. Each client alternates its requests between the two servers (in a
random order per pair), so whatever the machine is doing at that moment falls on both
alike, and each round's p95 on and off are taken over the same stretch of time.

    .venv/bin/python bench/metrics_overhead.py [--rounds 6] [--requests 200]

Prints each page's p95 on and off (the median over rounds) and their ratio, and the
servers' CPU time per request on and off (read from /proc for gunicorn's processes,
summed over all rounds) and its ratio. On a shared machine the latency ratio swings
with the neighbours; CPU time per request is what the metrics add, and is the steadier
figure. The issue's bar is within 5%. Results go to bench/metrics_overhead.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, free_port, login, percentile, wait_http

PAGES = ("/ping", "/accounts/login/", "/healthz/live", "/history/")
LOGGED_IN = frozenset({"/history/"})  # the others are asked for as a visitor
# A person with a session, for the pages behind the log-in (both servers share the database).
USER, PASSWORD = "metrics-bench", "metrics-bench-password-1"
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(master: int) -> float:
    """User + system CPU of gunicorn's master and its workers, so far."""
    pids = [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICK


def paired_load(
    urls: dict[str, str], path: str, *, cookie: str, connections: int, pairs_each: int
) -> dict[str, dict]:
    """`connections` clients, each with a keep-alive connection to every server, sending
    the same request to each in turn (the order shuffled per pair)."""
    latencies: dict[str, list[float]] = {name: [] for name in urls}
    errors = dict.fromkeys(urls, 0)
    lock = threading.Lock()

    def client(seed: int) -> None:
        order = list(urls)
        shuffle = random.Random(seed).shuffle

        def connect(name: str) -> http.client.HTTPConnection:
            parts = urlsplit(urls[name])
            return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)

        conns = {name: connect(name) for name in urls}
        mine: dict[str, list[float]] = {name: [] for name in urls}
        failed = dict.fromkeys(urls, 0)
        headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
        for _ in range(pairs_each):
            shuffle(order)
            for name in order:
                for attempt in (1, 2):
                    started = time.perf_counter()
                    try:
                        conns[name].request("GET", path, headers=headers)
                        response = conns[name].getresponse()
                        response.read()
                    except (http.client.RemoteDisconnected, ConnectionError):
                        # gunicorn closed an idle keep-alive connection: a new one, once.
                        conns[name].close()
                        conns[name] = connect(name)
                        if attempt == 2:
                            failed[name] += 1
                        continue
                    mine[name].append(time.perf_counter() - started)
                    failed[name] += response.status != 200
                    break
        for conn in conns.values():
            conn.close()
        with lock:
            for name in urls:
                latencies[name].extend(mine[name])
                errors[name] += failed[name]

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        name: {"errors": errors[name], "p95_ms": percentile(latencies[name], 95) * 1000}
        for name in urls
    }


def _server(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
         "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null"],
        env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="metrics-overhead-"))
    base = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "metrics-overhead-bench-" + "x" * 40,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
    }
    base.pop("PROMETHEUS_MULTIPROC_DIR", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=base, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=base, check=True)
    subprocess.run(
        [*manage, "shell", "-c",
         "from django.contrib.auth import get_user_model; "
         f"get_user_model().objects.create_user({USER!r}, password={PASSWORD!r})"],
        env=base, check=True,
    )  # fmt: skip
    setups = {
        "on": {**base, "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"), "METRICS_TOKEN": "t"},
        "off": {**base, "METRICS_ENABLED": "0"},
    }
    servers, urls = {}, {}
    try:
        for name, env in setups.items():
            port = free_port()
            servers[name] = _server(env, port, work / f"{name}.log")
            urls[name] = f"http://127.0.0.1:{port}"
        for url in urls.values():
            wait_http(f"{url}/ping")
        session = login(urls["on"], USER, PASSWORD)
        cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        p95s: dict = {(name, page): [] for name in setups for page in PAGES}
        cpu: dict = {(name, page): 0.0 for name in setups for page in PAGES}
        served: dict = {(name, page): 0 for name in setups for page in PAGES}
        for _round in range(args.rounds):
            for page in PAGES:
                before = {name: _cpu_seconds(server.pid) for name, server in servers.items()}
                results = paired_load(
                    urls,
                    page,
                    cookie=cookie if page in LOGGED_IN else "",
                    connections=4,
                    pairs_each=args.requests // 4,
                )
                for name, result in results.items():
                    cpu[(name, page)] += _cpu_seconds(servers[name].pid) - before[name]
                    served[(name, page)] += (args.requests // 4) * 4
                    assert result["errors"] == 0, (name, page, result)
                    p95s[(name, page)].append(result["p95_ms"])
        report = {}
        for page in PAGES:
            # The median round's p95: one noisy round on a shared machine does not decide.
            on = statistics.median(p95s[("on", page)])
            off = statistics.median(p95s[("off", page)])
            cpu_on = cpu[("on", page)] / served[("on", page)] * 1000
            cpu_off = cpu[("off", page)] / served[("off", page)] * 1000
            report[page] = {
                "p95_on_ms": round(on, 2),
                "p95_off_ms": round(off, 2),
                "p95_ratio": round(on / off, 3),
                "cpu_per_request_on_ms": round(cpu_on, 3),
                "cpu_per_request_off_ms": round(cpu_off, 3),
                "cpu_ratio": round(cpu_on / cpu_off, 3) if cpu_off else None,
            }
        print(json.dumps(report, indent=2))
        (ROOT / "bench" / "metrics_overhead.json").write_text(json.dumps(report, indent=2) + "\n")
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
