"""The shared cache is optional: with Redis away, requests are served (uncached, rate
limits letting them in), the outage is logged once, and the cache is used again when
Redis returns. Real Redis servers only: a closed port, and one of our own (started on a
free port for the test, never the shared one) stopped mid-run and started again."""

from __future__ import annotations

import shutil
import subprocess

import redis
from django.core.cache import cache
from django.test import override_settings

from common.ratelimits import Limit, rate_take
from generator.keys import services as keys
from tests.base import BaseTestCase
from tests.conftest import free_port, wait_until


def optional_redis(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "common.cache.OptionalRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {
                "socket_connect_timeout": 0.5,
                "socket_timeout": 0.5,
                "outage_pause": 0.2,
            },
        }
    }


class RedisServer:
    """A redis-server of this test's own, on a free port, in memory only."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (apt-get install redis-server)"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        assert wait_until(lambda: _answers(client), timeout=10, step=0.05), "redis did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


class CacheAwayTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.key, self.token = keys.key_create(user=self.owner, name="script")

    def api(self, path: str):
        return self.client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {self.token}")

    @override_settings(CACHES=optional_redis(free_port()), API_RATE_BURST=2)
    def test_it_serves_pages_and_the_api_with_redis_on_a_closed_port(self):
        self.login()
        with self.assertLogs("common.cache", "WARNING") as logs:
            for _ in range(5):  # past the burst: with no bucket, every call is let in
                assert self.api("/me").status_code == 200
            for _ in range(2):
                response = self.client.get("/history/")
                assert response.status_code == 200 and b"History" in response.content
            assert self.client.get("/apps/").status_code == 200
        said = [line for line in logs.output if "Cache unavailable" in line]
        assert len(said) == 1, logs.output  # once per outage, not once per call
        ready = self.client.get("/healthz/ready").json()
        assert ready["cache"] == "error" and ready["database"] == "ok"

    def test_it_carries_on_when_its_redis_is_stopped_mid_run_and_uses_it_again(self):
        limit = Limit(burst=2, per_second=0.01)
        self.redis = RedisServer()
        self.redis.start()
        self.addCleanup(self.redis.stop)
        with override_settings(CACHES=optional_redis(self.redis.port)):
            self.login()
            assert self.client.get("/history/").status_code == 200
            # Redis up: the bucket is kept there, so the third call is refused.
            assert [rate_take(bucket="t", limit=limit) for _ in range(3)][-1] > 0
            cache.set("kept", "1", 60)
            assert cache.get("kept") == "1"

            self.redis.stop()
            with self.assertLogs("common.cache", "WARNING") as logs:
                assert [rate_take(bucket="t", limit=limit) for _ in range(5)] == [0.0] * 5
                assert cache.get("kept") is None
                assert self.client.get("/history/").status_code == 200
                assert self.api("/me").status_code == 200
            assert any("Cache unavailable" in line for line in logs.output)

            self.redis.start()  # the same port, empty
            with self.assertLogs("common.cache", "WARNING") as logs:
                assert wait_until(
                    lambda: [rate_take(bucket="u", limit=limit) for _ in range(3)][-1] > 0,
                    timeout=10,
                    step=0.1,
                ), "the cache was not used again"
            assert any("Cache available again" in line for line in logs.output)
            assert self.client.get("/history/").status_code == 200
