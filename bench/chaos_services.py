"""The services `make chaos` stands the portal on, its own and on free ports, so that it
can stop, kill and break them without touching anyone else's: a PostgreSQL cluster
(initdb into a temporary directory, run as the postgres user), a redis-server, moto's
S3 server behind a TCP proxy the suite controls (pass, answer 503, or stall), and a
small filesystem for local media that can be filled."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.harness import free_port

BUCKET = "a1studio-chaos"
S3_KEYS = {"S3_ACCESS_KEY": "a1studio-chaos", "S3_SECRET_KEY": "a1studio-chaos-secret"}


def wait_for(predicate, timeout: float, what: str, step: float = 0.2) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(Exception):  # not up yet: any failure means "try again"
            if predicate():
                return time.monotonic() - started
        time.sleep(step)
    raise RuntimeError(f"{what}: not within {timeout} s")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    """A cluster of our own: initdb refuses root, so every command runs as postgres."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/")
        self.bin = Path(bins[-1])
        self.root = Path(tempfile.mkdtemp(prefix="a1chaos-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/a1chaos"
        user = pwd.getpwnam("postgres")
        os.chown(self.root, user.pw_uid, user.pw_gid)

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def init(self) -> None:
        self._as_postgres(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        self.start()
        self._as_postgres(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "a1chaos"
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=200"
        )
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """fast: clients disconnected, a clean shutdown; immediate: as if it crashed."""
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop",
            check=False,
        )  # fmt: skip

    def running(self) -> bool:
        return port_open(self.port)

    def cleanup(self) -> None:
        if self.data.exists():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class Redis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = workdir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=self.log.open("a"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), 30, "redis-server to listen")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def cleanup(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


class S3Proxy:
    """A TCP proxy in front of moto's S3 server with three modes: `pass` pipes bytes both
    ways; `503` answers every request with S3's SlowDown, status 503; `stall` accepts and
    reads, and never answers. Changing the mode cuts the connections already open, so a
    kept-alive connection meets the new mode at once."""

    def __init__(self, workdir: Path) -> None:
        self.upstream_port = free_port()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = "pass"
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.log = workdir / "moto.log"
        self.moto: subprocess.Popen | None = None
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.stopped = threading.Event()

    def start(self) -> None:
        self.moto = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.upstream_port)],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(lambda: port_open(self.upstream_port), 60, "moto's S3 server")
        threading.Thread(target=self._accept, daemon=True).start()
        import boto3  # only `make chaos` needs boto3 here

        # only `make chaos` needs botocore here
        from botocore.config import Config

        s3 = boto3.client(
            "s3",
            config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 1}),
            endpoint_url=f"http://127.0.0.1:{self.upstream_port}",
            region_name="us-east-1",
            aws_access_key_id=S3_KEYS["S3_ACCESS_KEY"],
            aws_secret_access_key=S3_KEYS["S3_SECRET_KEY"],
        )
        s3.create_bucket(Bucket=BUCKET, ACL="private")

    def env(self) -> dict[str, str]:
        return {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": self.url,
            "S3_REGION": "us-east-1",
            **S3_KEYS,
        }

    def set_mode(self, mode: str) -> None:
        with self.lock:
            self.mode = mode
            open_now = list(self.sockets)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            with self.lock:
                mode = self.mode
                self.sockets.add(client)
            handler = {"pass": self._pipe, "503": self._slow_down, "stall": self._stall}[mode]
            threading.Thread(target=handler, args=(client,), daemon=True).start()

    def _forget(self, *socks: socket.socket) -> None:
        with self.lock:
            for sock in socks:
                self.sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.close()

    def _pipe(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=10)
        except OSError:
            self._forget(client)
            return
        upstream.settimeout(None)
        with self.lock:
            self.sockets.add(upstream)

        def copy(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            finally:
                self._forget(source, target)

        threading.Thread(target=copy, args=(upstream, client), daemon=True).start()
        copy(client, upstream)

    def _slow_down(self, client: socket.socket) -> None:
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
            b"<Message>Please reduce your request rate.</Message></Error>"
        )
        try:
            client.settimeout(10)
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                chunk = client.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            client.sendall(
                b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
        except OSError:
            pass
        finally:
            self._forget(client)

    def _stall(self, client: socket.socket) -> None:
        try:
            while client.recv(65536):
                pass  # read everything, answer nothing
        except OSError:
            pass
        finally:
            self._forget(client)

    def cleanup(self) -> None:
        self.stopped.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        self.set_mode("pass")
        if self.moto is not None:
            self.moto.terminate()
            try:
                self.moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.moto.kill()


class SmallDisk:
    """A 24 MB tmpfs for MEDIA_ROOT, filled on demand by a ballast file; when mount is not
    allowed, a plain directory (the fill then only says so: see docs/reliability.md)."""

    def __init__(self, workdir: Path, size_mb: int = 24) -> None:
        self.path = workdir / "media"
        self.path.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(self.path)],
            capture_output=True,
            check=False,
        )
        self.mounted = result.returncode == 0
        self.ballast = self.path / ".ballast"

    def fill(self) -> None:
        with self.ballast.open("wb") as out:
            with contextlib.suppress(OSError):  # ENOSPC: full, which is the point
                while True:
                    out.write(b"\0" * 1024 * 1024)
                    out.flush()
            with contextlib.suppress(OSError):
                os.fsync(out.fileno())

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def cleanup(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], check=False, capture_output=True)


def children(pid: int) -> list[int]:
    """A process's direct children (gunicorn's web processes under its master)."""
    found = []
    for path in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in Path(path).read_text().split()]
    return found


def owner_of_connection(local_port: int, candidates: list[int]) -> int | None:
    """Which of these processes holds the server side of the client's connection."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == local_port:
                    inodes.add(fields[9])
    for pid in candidates:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in inodes:
                        return pid
    return None


def kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def faketime_library() -> str | None:
    found = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    return found[0] if found else None
