"""Shared fixtures: a real sandbox server over HTTP, reset before every test."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import requests
from PIL import Image

from a1 import A1Client, RetryPolicy
from tests.mailbox import Mailbox, start_smtp

# In CI, property tests draw the same examples every run: a landing must not hinge on
# a lucky draw. Locally they explore freely (and remember failures in .hypothesis/).
hypothesis.settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):  # .ci/run sets the latter
    hypothesis.settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SandboxHandle:
    """Talks to a running sandbox's control surface."""

    url: str

    def control(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, f"{self.url}/_sandbox/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def reset(self, **knobs) -> None:
        self.control("POST", "reset", json=knobs)

    def knobs(self, **values) -> dict:
        return self.control("POST", "knobs", json=values)

    def stats(self) -> dict:
        return self.control("GET", "stats")

    def calls(self, endpoint: str) -> int:
        return self.stats()["calls"].get(endpoint, 0)

    def catalog(self) -> list[dict]:
        return self.control("GET", "catalog")["apps"]

    def app_with(self, case: str) -> dict:
        return next(app for app in self.catalog() if case in app["cases"])

    def bump(self, app_id: str, **changes) -> str:
        """A new version; `remove`, `retype` or `add` change its form (docs/sandbox.md)."""
        return self.control("POST", f"apps/{app_id}/bump", json=changes)["versionId"]

    def finish(self, task_id: str, state: str = "completed") -> dict:
        return self.control("POST", f"tasks/{task_id}", json={"state": state})

    def files_gate(self, *, open: bool) -> dict:
        return self.control("POST", "files/gate", json={"open": open})

    def set_balance(self, points: int, key: str = "sandbox") -> None:
        self.control("POST", "balance", json={"key": key, "points": points})

    def balance(self, key: str = "sandbox") -> int:
        return self.stats()["balances"].get(key, self.stats()["knobs"]["balance"])


def start_sandbox(tmp_dir: Path, *args: str, keys: str = "sandbox,other") -> tuple:
    port = free_port()
    env = {
        **os.environ,
        "SANDBOX_API_KEYS": keys,
        "SANDBOX_DATA_DIR": str(tmp_dir),
        "SANDBOX_TASK_SECONDS": "0.5",
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runsandbox", f"127.0.0.1:{port}", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sandbox exited: {process.communicate()[0]}")
        try:
            requests.get(f"{url}/_sandbox/stats", timeout=1)
            return process, SandboxHandle(url)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("sandbox did not start within 30 s")


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    process, handle = start_sandbox(tmp_path_factory.mktemp("sandbox"))
    yield handle
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def sandbox(sandbox_server: SandboxHandle) -> SandboxHandle:
    """The session's sandbox, reset to a clean state and default knobs."""
    sandbox_server.reset()
    return sandbox_server


def fast_retry() -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def a1(sandbox: SandboxHandle) -> A1Client:
    """A client against the sandbox, with retries that do not slow the suite down."""
    return A1Client(sandbox.url, "sandbox", timeout=5, retry=fast_retry())


def image_bytes(fmt: str = "JPEG", size=(64, 48), color="teal", **save) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Hashing passwords at full cost was most of the suite's set-up time. Processes the
    tests start get the same hasher (subprocess_env), so they can check these hashes."""
    from django.conf import settings  # pytest-django's settings fixture is function-scoped

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def iphone_heic(size=(400, 300), orientation: int = 6) -> bytes:
    """A HEIC photo as an iPhone saves it: HEVC-coded, stored sideways, with EXIF saying
    how to turn it (6: 90° clockwise). The stored top half is red, the bottom half blue."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0], size[1] // 2))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Apple", "iPhone 15", orientation
    buffer = io.BytesIO()
    image.save(buffer, "HEIF", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture(scope="session", autouse=True)
def _s3_reachable_when_used():
    """In the S3 pass a bucket that cannot be reached stops the run at once, loudly."""
    from django.conf import settings
    from django.core.files.storage import default_storage

    if not settings.S3_BUCKET:
        return
    try:
        default_storage.bucket.meta.client.head_bucket(Bucket=settings.S3_BUCKET)
    except Exception as exc:  # whatever the client raises, the pass cannot go on
        pytest.exit(f"S3_BUCKET={settings.S3_BUCKET!r} cannot be reached: {exc}", returncode=1)


@pytest.fixture(autouse=True)
def _isolated_storage_and_cache(settings, tmp_path):
    """Each test writes media to its own folder (in the S3 pass: an emptied bucket) and
    starts with an empty cache."""
    from django.core.cache import cache
    from django.core.files.storage import default_storage
    from django.utils import translation

    settings.MEDIA_ROOT = tmp_path / "media"
    if settings.S3_BUCKET:
        default_storage.bucket.objects.all().delete()
    settings.A1_RETRY_BASE_DELAY = 0  # retries are proved by counting calls, not by waiting
    # Batch items are sent on the pacer's own thread: a tick returns once its items are
    # sent. Tests of overlapping sends ask for threads (tests/batches/test_parallel_sending.py).
    settings.BATCH_SEND_THREADS = 1
    cache.clear()
    translation.activate("en")  # a request in an earlier test may have left zh-hans active


def assert_storage_matches_database() -> None:
    """`manage.py storage_check` is clean: no stored file without a row, no row without
    its file (the check the suite leaves clean, run against this test's media root)."""
    from generator.files.audit import storage_audit

    report = storage_audit()
    assert report.clean, f"files with no row: {report.orphans}; rows with no file: {report.missing}"


@pytest.fixture(autouse=True)
def _storage_stays_consistent(request):
    """After each database test case, storage and database agree (checked before its
    transaction is rolled back). Tests that run their own worker or web processes are
    left out: a process may be between writing a file and its row when the test ends."""
    from django.test import TransactionTestCase

    instance = getattr(request, "instance", None)
    if isinstance(instance, TransactionTestCase) and not request.node.get_closest_marker("process"):
        instance.addCleanup(assert_storage_matches_database)
    yield


@pytest.fixture(autouse=True)
def _send_threads_end_with_the_test(request, _storage_stays_consistent):
    """A test's batch send threads end with it (before its database is emptied or
    dropped, and before the storage check), and the next test starts with no pool, no
    pending slot and nothing being sent (generator/batches/pacing.py keeps these per
    process)."""
    from generator.batches.pacing import sends_reset
    from generator.runs.copying import copies_stop

    instance = getattr(request, "instance", None)
    if instance is not None and hasattr(instance, "addCleanup"):
        instance.addCleanup(sends_reset)  # runs before a test case's own teardown
        instance.addCleanup(copies_stop)
    yield
    sends_reset()
    copies_stop()


def subprocess_env(sandbox: SandboxHandle, settings, **extra) -> dict:
    """Environment for a portal process (web or worker) sharing this test's database."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "A1_BASE_URL": sandbox.url,
        "A1_API_KEY": "sandbox",
        "A1_POLL_INTERVAL": "0.5",
        "A1_RETRY_BASE_DELAY": "0",
        "A1_TIMEOUT": "4",
        "SUBMIT_LEASE": "10",  # a process killed mid-submission is settled in seconds
        "FAST_PASSWORD_HASHER_FOR_TESTS": "1",
        "WORKER_SWEEP_SECONDS": "0.5",
        "WORKER_RESUME_GRACE": "1",
        "WORKER_POLL_LEASE": "4",  # a worker killed mid-poll is taken over within seconds
        "DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def start_worker(sandbox: SandboxHandle, settings, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runworker", "--no-reload",
         "--interval", "0.2", "--no-startup-delay"],
        env=subprocess_env(sandbox, settings, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def start_web(sandbox: SandboxHandle, settings, **env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=subprocess_env(sandbox, settings, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(url), timeout=30)
    return process, url


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/accounts/login/", timeout=2)
    except requests.ConnectionError:
        return False
    return True


def wait_until(predicate, timeout=30.0, step=0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def mailbox(settings) -> Iterator[Mailbox]:
    """A real SMTP server started for this test, and the portal's email sent to it."""
    controller, box = start_smtp(free_port())
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 10},
        }
    }
    settings.EMAIL_CONFIGURED = True
    yield box
    controller.stop()
