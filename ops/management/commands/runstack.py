"""`make run`: the web server, the task worker and (with no API key) the sandbox.

Ctrl-C stops all three; if one of them dies, the others are stopped too, so a
half-running stack never looks healthy.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _wait_for_port(port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)


class Command(BaseCommand):
    help = "Run the portal, its worker and the sandbox together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument(
            "--prod", action="store_true", help="gunicorn and a worker without autoreload"
        )
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("WEB_WORKERS", 2))
        )

    def handle(self, *args, port, prod, web_workers, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # The web processes and the worker count into one folder that /metrics sums;
            # emptied here, before any of them starts.
            shared = settings.VAR_DIR / "metrics"
            shutil.rmtree(shared, ignore_errors=True)
            shared.mkdir(parents=True)
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
        processes: dict[str, subprocess.Popen] = {}
        if settings.A1_USES_SANDBOX:
            processes["sandbox"] = subprocess.Popen(
                [*manage, "runsandbox", f"127.0.0.1:{settings.SANDBOX_PORT}"]
            )
            _wait_for_port(settings.SANDBOX_PORT)  # the worker's first sweep probes it
        worker = [*manage, "runworker", "--interval", "0.5"]
        processes["worker"] = subprocess.Popen([*worker, "--no-reload"] if prod else worker)
        if prod:
            processes["web"] = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
                    "--config", str(settings.BASE_DIR / "a1site" / "gunicorn.conf.py"),
                    "--bind", f"127.0.0.1:{port}",
                    "--workers", str(web_workers),
                ]
            )  # fmt: skip
        else:
            processes["web"] = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}"])

        call_command("ensure_demo_user", stdout=self.stdout)
        upstream = "the local sandbox (no A1_API_KEY set)" if settings.A1_USES_SANDBOX else "A1"
        self.stdout.write(
            self.style.SUCCESS(f"A1 Studio: http://127.0.0.1:{port}/  (talking to {upstream})")
        )
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and the sandbox.")

        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        code = 0
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    self.stderr.write(f"{name} exited with code {process.returncode}; stopping.")
                    code, stopping = process.returncode or 1, True
                    break
            time.sleep(0.5)
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(code)
