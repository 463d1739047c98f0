"""The DingTalk pacer: shared reservations, evenly spaced, pushed back after a throttle."""

from __future__ import annotations

import itertools

import pytest

from clients.dingtalk.ratelimit import RateLimiter
from storage.runtime import Runtime


def _limiter(runtime: Runtime, waits: list[float]) -> RateLimiter:
    # 20 calls per 1,000 ms: one departure every 50 ms.
    return RateLimiter(runtime.redis, "app", rate=20, window_ms=1000, sleep=waits.append)


def test_calls_leave_evenly_spaced_across_processes(runtime: Runtime) -> None:
    first, second = [], []  # two "processes": two limiters on one Redis
    a, b = _limiter(runtime, first), _limiter(runtime, second)
    reservations = [(a if n % 2 else b).reserve("card/createAndDeliver") for n in range(20)]
    assert reservations[0] == 0
    gaps = [later - earlier for earlier, later in itertools.pairwise(reservations)]
    # Each reservation is ~50 ms after the previous one, minus the real time that passed.
    assert all(0.03 <= gap <= 0.05 + 1e-9 for gap in gaps), gaps
    assert 0.85 <= reservations[-1] <= 0.95  # 19 intervals: 20 calls take a whole second


def test_apis_are_paced_separately(runtime: Runtime) -> None:
    limiter = _limiter(runtime, [])
    limiter.reserve("card/createAndDeliver")
    assert limiter.reserve("robot/batchSend") == 0


def test_a_throttle_pushes_every_process_back(runtime: Runtime) -> None:
    waits: list[float] = []
    limiter = _limiter(runtime, waits)
    limiter.cool_down("card/update", seconds=1.0)
    limiter.acquire("card/update")
    assert waits and 0.9 <= waits[0] <= 1.0


def test_a_storm_is_refused_rather_than_queued_forever(runtime: Runtime) -> None:
    limiter = _limiter(runtime, [])
    for _ in range(10):
        limiter.reserve("user/get")
    with pytest.raises(TimeoutError):
        limiter.reserve("user/get", max_wait_seconds=0.2)
