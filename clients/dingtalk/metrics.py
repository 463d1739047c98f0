"""Prometheus instruments of the DingTalk client: calls by API and outcome, their latency, and
the time spent waiting in the shared rate limiter.

They live beside the client (below services in the layers) so that every DingTalk call is
counted where it is made; services/ops/metrics.py holds the rest. Labels are API names from
our own fixed set, never a user id.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

from config.settings_ops import METRICS_PREFIX

OUTCOMES = ("ok", "throttled", "token_refreshed", "failed")
_CALL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_WAIT_BUCKETS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

CALLS = Counter(
    f"{METRICS_PREFIX}_dingtalk_calls",
    "DingTalk API calls, by API and outcome (ok, throttled, token_refreshed, failed)",
    ["api", "outcome"],
)
CALL_SECONDS = Histogram(
    f"{METRICS_PREFIX}_dingtalk_call_duration_seconds",
    "Time of one DingTalk API call (one HTTP exchange), by API",
    ["api"],
    buckets=_CALL_BUCKETS,
)
RATE_WAIT_SECONDS = Histogram(
    f"{METRICS_PREFIX}_dingtalk_rate_limit_wait_seconds",
    "Time a DingTalk call waited for its slot in the shared rate limiter, by API",
    ["api"],
    buckets=_WAIT_BUCKETS,
)


def clock() -> float:
    """A start time for `dingtalk_call`."""
    return time.perf_counter()


def dingtalk_call(api: str, outcome: str, started: float) -> None:
    """One exchange with DingTalk ended with `outcome` (one of OUTCOMES)."""
    CALLS.labels(api, outcome).inc()
    CALL_SECONDS.labels(api).observe(time.perf_counter() - started)


def rate_limit_waited(api: str, seconds: float) -> None:
    RATE_WAIT_SECONDS.labels(api).observe(seconds)
