"""The S3 pass: the storage-touching tests again, with photos and results kept in S3.

Starts moto's standalone S3 server on a free loopback port, makes a private bucket,
runs `pytest -m storage` with the S3_* settings pointing at it (so the web process, the
test process and every worker process they start all use it), then stops the server.
When the server cannot start, this fails with a message: it never skips.

    .venv/bin/python tests/files/s3_pass.py [extra pytest arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port, wait_until  # noqa: E402 - needs ROOT on the path

BUCKET = "a1studio-media"
KEYS = {"S3_ACCESS_KEY": "a1studio-test", "S3_SECRET_KEY": "a1studio-test-secret"}
REGION = "us-east-1"


def fail(message: str, log: Path | None = None) -> int:
    bar = "!" * 78
    print(f"{bar}\n!!! S3 PASS FAILED: {message}", file=sys.stderr)
    if log is not None and log.exists():
        print("!!! The S3 server said:\n" + log.read_text()[-3000:], file=sys.stderr)
    print(bar, file=sys.stderr)
    return 1


def answers(url: str) -> bool:
    """Whether anything serves HTTP at `url` yet (moto answers ListBuckets on /)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means it serves
    except OSError:
        return False


def start_server(log: Path) -> tuple[subprocess.Popen | None, str]:
    port = free_port()
    try:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
    except OSError:
        return None, ""
    url = f"http://127.0.0.1:{port}"
    serving = wait_until(lambda: server.poll() is not None or answers(url), timeout=30, step=0.1)
    if serving and server.poll() is None:
        return server, url
    server.kill()
    return None, url


def make_bucket(url: str) -> None:
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3",
        config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1}),
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=KEYS["S3_ACCESS_KEY"],
        aws_secret_access_key=KEYS["S3_SECRET_KEY"],
    )
    s3.create_bucket(Bucket=BUCKET, ACL="private")


def main(argv: list[str]) -> int:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
        import storages  # noqa: F401
    except ImportError as exc:
        return fail(f'{exc.name} is not installed: pip install -e ".[dev,s3]" (make install).')
    log = Path(tempfile.mkdtemp(prefix="a1-s3-")) / "moto.log"
    server, url = start_server(log)
    if server is None:
        return fail(f"moto's S3 server did not start on {url or 'loopback'} within 30 s.", log)
    started = time.monotonic()
    try:
        try:
            make_bucket(url)
        except Exception as exc:  # any answer but success means no usable S3 here
            return fail(f"could not create the bucket on {url}: {exc}", log)
        env = {
            **os.environ,
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": url,
            "S3_REGION": REGION,
            **KEYS,
        }
        print(f"=== S3 pass: media in bucket {BUCKET!r} on {url} (moto) ===", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-m", "storage", *argv], cwd=ROOT, env=env, check=False
        )
        print(f"=== S3 pass took {time.monotonic() - started:.0f} s ===", flush=True)
        return result.returncode
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
