"""A real Prometheus server for the metrics tests: Debian's `prometheus` package,
installed when missing. In CI (CI or E2E_REQUIRED set) a missing server fails the test; elsewhere it skips."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, wait_until


def prometheus_binary(name: str = "prometheus") -> str:
    found = shutil.which(name)
    if found is None and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "prometheus"],
        ):
            subprocess.run(command, env=env, capture_output=True, timeout=600, check=False)
        found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed and apt-get could not install Debian's prometheus"
        if os.environ.get("CI") or os.environ.get("E2E_REQUIRED"):  # .ci/run sets the latter
            pytest.fail(message)
        pytest.skip(message)
    return found


class Prometheus:
    """One server on a free port, scraping `target` (host:port) every second."""

    def __init__(self, workdir: Path, target: str, token: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: a1studio\n"
            "    metrics_path: /metrics\n"
            f"    authorization:\n      credentials: {token}\n"
            f"    static_configs:\n      - targets: ['{target}']\n"
        )
        self.log = (workdir / "prometheus.log").open("w")
        self.process = subprocess.Popen(
            [prometheus_binary(), f"--config.file={config}",
             f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert wait_until(self._ready, timeout=60), "prometheus did not start"

    def _ready(self) -> bool:
        try:
            return requests.get(f"{self.url}/-/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def query(self, promql: str) -> float | None:
        """The single value of an instant query (None: no series)."""
        body = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=10).json()
        assert body["status"] == "success", body
        result = body["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def target_up(self) -> bool:
        return self.query("up") == 1

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()
