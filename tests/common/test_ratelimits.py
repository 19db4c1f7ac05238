"""Per-key rate limits: a burst at once, then the sustained rate, in the shared cache."""

from __future__ import annotations

from common.ratelimits import Limit, rate_take

LIMIT = Limit(burst=5, per_second=1.0)  # 5 at once, then one a second


def take(n: int, at: float, bucket: str = "k") -> list[float]:
    return [rate_take(bucket=bucket, limit=LIMIT, now=at) for _ in range(n)]


def test_it_allows_a_burst_then_refuses_with_the_wait():
    assert take(5, at=1000.0) == [0.0] * 5
    assert take(1, at=1000.0) == [1.0]
    assert take(1, at=1000.4) == [0.6]


def test_it_lets_a_steady_client_through_at_the_sustained_rate():
    assert [rate_take(bucket="k", limit=LIMIT, now=1000.0 + s) for s in range(30)] == [0.0] * 30


def test_it_refills_one_token_per_interval_after_a_burst():
    take(5, at=1000.0)
    allowed = [take(2, at=1000.0 + s) for s in range(1, 4)]
    assert [a[0] == 0.0 and a[1] > 0 for a in allowed] == [True, True, True]


def test_it_refills_the_whole_bucket_after_a_quiet_spell():
    take(5, at=1000.0)
    assert take(5, at=1100.0) == [0.0] * 5


def test_it_keeps_each_bucket_apart():
    take(5, at=1000.0)
    assert take(1, at=1000.0, bucket="other") == [0.0]


def test_it_does_not_count_refused_requests():
    take(5, at=1000.0)
    take(20, at=1000.0)  # hammering while refused
    assert take(1, at=1001.0) == [0.0]
