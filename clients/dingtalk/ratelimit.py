"""Pacing of DingTalk calls per (app, API) through Redis, shared by every worker process.

DingTalk counts calls per app per API in one-second windows (20/s on standard orgs). Each call
reserves a departure time from Redis (GCRA): calls leave evenly spaced, `window_ms / rate`
apart, instead of in bursts that fill a window at once. Even spacing is what makes the limit
robust to the jitter between our clock and DingTalk's arrival clock, and a reservation wastes
no capacity on polling. Time comes from the Redis server, so processes on different hosts agree.
After DingTalk throttles anyway, a cool-down key pushes every process's next calls back.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis import Redis

from clients.dingtalk import metrics
from storage import redis_keys

# KEYS[1] the next free departure time (ms), KEYS[2] the cool-down; ARGV interval_ms, max_wait_ms.
# Returns how many ms to wait before sending (>= 0), or -1 when that would exceed max_wait_ms
# (then nothing is reserved).
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local cool = redis.call('PTTL', KEYS[2])
if cool > 0 then tat = math.max(tat, now + cool) end
local start = math.max(tat, now)
local wait = start - now
if wait > tonumber(ARGV[2]) then return -1 end
redis.call('SET', KEYS[1], start + interval, 'PX', math.max(1000, wait + interval * 2))
return wait
"""


class RateLimiter:
    """Blocks until this call's reserved departure time for `api` (at most `rate` per window)."""

    def __init__(
        self,
        redis: Redis,
        app_key: str,
        *,
        rate: float,
        window_ms: int = 1000,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = redis
        self._app_key = app_key
        self._interval_ms = max(1, round(window_ms / rate))
        self._sleep = sleep
        self._script = redis.register_script(_RESERVE)

    def reserve(self, api: str, *, max_wait_seconds: float = 30.0) -> float:
        """Reserve the next departure for `api`; return the seconds to wait before sending."""
        keys = [
            redis_keys.dingtalk_rate_window(self._app_key, api),
            redis_keys.dingtalk_rate_cooldown(self._app_key, api),
        ]
        wait_ms = int(
            self._script(keys=keys, args=[self._interval_ms, int(max_wait_seconds * 1000)])
        )
        if wait_ms < 0:
            raise TimeoutError(f"no DingTalk rate slot for {api} within {max_wait_seconds}s")
        return wait_ms / 1000

    def acquire(self, api: str, *, max_wait_seconds: float = 30.0) -> None:
        """Wait for this call's turn; raise TimeoutError rather than queue behind a storm."""
        wait = self.reserve(api, max_wait_seconds=max_wait_seconds)
        metrics.rate_limit_waited(api, wait)
        if wait > 0:
            self._sleep(wait)

    def cool_down(self, api: str, seconds: float = 1.0) -> None:
        """After DingTalk throttled us, push every process's next calls to `api` back."""
        self._redis.set(
            redis_keys.dingtalk_rate_cooldown(self._app_key, api), "1", px=int(seconds * 1000)
        )
