"""The production profile on free ports, for benchmarks: sandbox, gunicorn, workers."""

from __future__ import annotations

import http.client
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except (requests.ConnectionError, requests.Timeout):  # still starting, or busy
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Stack:
    """Starts and stops the processes of one benchmark run."""

    def __init__(self, workdir: Path, *, task_seconds: float, poll_interval: float):
        self.workdir = workdir
        self.access_log = "/dev/null"  # gunicorn's access log (a path keeps each request's ms)
        self.sandbox_port, self.web_port = free_port(), free_port()
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.url = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'db.sqlite3'}"
            ),
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "locmemcache://bench"),
            "MEDIA_ROOT": str(workdir / "media"),
            "SECRET_KEY": "bench-" + "k" * 50,
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "A1_BASE_URL": self.sandbox_url,
            "A1_API_KEY": "sandbox",
            "A1_POLL_INTERVAL": str(poll_interval),
            "WORKER_SWEEP_SECONDS": "5",
            "HISTORY_PAGE_SIZE": "50",
            "LOG_LEVEL": "WARNING",
            "SANDBOX_TASK_SECONDS": str(task_seconds),
            "SANDBOX_DATA_DIR": str(workdir / "sandbox"),
            "SANDBOX_BALANCE": "1000000",
            # The batch scenario: a pace the 2-core machine can hold with 100 in flight.
            "BATCH_SEND_RATE": os.environ.get("BENCH_BATCH_RATE", "10"),
            "BATCH_MAX_IN_FLIGHT": "120",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def manage(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "manage.py"), *args]

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def prepare(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run(self.manage("migrate", "--noinput", "-v0"), env=self.env, check=True)
        subprocess.run(self.manage("collectstatic", "--noinput", "-v0"), env=self.env, check=True)

    def start(self, *, workers: int = 2, web_workers: int = 2) -> None:
        self._spawn("sandbox", self.manage("runsandbox", f"127.0.0.1:{self.sandbox_port}"))
        wait_http(f"{self.sandbox_url}/_sandbox/stats")
        self._spawn(
            "web",
            [
                sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
                "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{self.web_port}", "--workers", str(web_workers),
                "--access-logfile", self.access_log,
            ],
        )  # fmt: skip
        for n in range(workers):
            self.start_worker(f"worker{n}")
        wait_http(f"{self.url}/ping")

    def start_worker(self, name: str) -> subprocess.Popen:
        return self._spawn(
            name, self.manage("runworker", "--no-reload", "--interval", "0.1", "--no-startup-delay")
        )

    def stop(self, name: str | None = None) -> None:
        names = [name] if name else list(self.processes)
        for key in names:
            process = self.processes.pop(key)
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def sandbox(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(
            method, f"{self.sandbox_url}/_sandbox/{path}", timeout=30, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def cleanup(self) -> None:
        if self.processes:
            self.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)


def first_group(pattern: str, text: str) -> str:
    """The first group of `pattern`'s first match in `text`; a page without it is an error."""
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"not on the page: {pattern}")
    return match.group(1)


def login(url: str, username: str, password: str = PASSWORD) -> requests.Session:
    """A requests session logged in through the real log-in form (CSRF and all)."""
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=60)
    token = first_group(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    response = session.post(
        f"{url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/accounts/login/"},
        timeout=60,
    )
    if not response.url.endswith("/apps/"):
        raise RuntimeError(f"could not log in as {username}")
    return session


def load(url: str, path: str, *, cookie: str, connections: int, requests_each: int) -> dict:
    """Requests per second and latency for one path, `connections` keep-alive clients."""
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        mine = []
        for _ in range(requests_each):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "path": path,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
    }


def machine() -> dict:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "database": os.environ.get("DATABASE_URL", "").split(":", 1)[0],
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
