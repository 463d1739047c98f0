"""A sliding one-second window per (app, API) in Redis, shared by every worker process.

DingTalk counts calls per app per API in one-second windows (20/s on standard orgs). We admit
at most `rate` calls in any trailing second across all processes, a little under the limit, so
the pipeline never causes a throttle on its own. After DingTalk throttles anyway, a cool-down key
makes every process pause that API for a second.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from redis import Redis

from storage import redis_keys

# KEYS[1] window zset, KEYS[2] cool-down; ARGV now_ms, window_ms, limit, member.
# Returns 0 when admitted, otherwise how many ms to wait before trying again.
_ACQUIRE = """
local cooldown = redis.call('PTTL', KEYS[2])
if cooldown > 0 then return cooldown end
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


class RateLimiter:
    """Blocks until a call to `api` fits under `rate` per second for this app."""

    def __init__(
        self,
        redis: Redis,
        app_key: str,
        *,
        rate: float,
        window_ms: int = 1000,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._redis = redis
        self._app_key = app_key
        self._rate = rate
        self._window_ms = window_ms
        self._clock = clock
        self._sleep = sleep
        self._script = redis.register_script(_ACQUIRE)

    def try_acquire(self, api: str) -> int:
        """Admit one call now (0) or say how many ms to wait."""
        now_ms = int(self._clock() * 1000)
        keys = [
            redis_keys.dingtalk_rate_window(self._app_key, api),
            redis_keys.dingtalk_rate_cooldown(self._app_key, api),
        ]
        limit = max(1, int(self._rate))
        wait = self._script(keys=keys, args=[now_ms, self._window_ms, limit, uuid.uuid4().hex])
        return int(wait)

    def acquire(self, api: str, *, max_wait_seconds: float = 30.0) -> None:
        """Wait for a slot; raise TimeoutError rather than queue forever behind a storm."""
        deadline = self._clock() + max_wait_seconds
        while True:
            wait_ms = self.try_acquire(api)
            if wait_ms == 0:
                return
            if self._clock() + wait_ms / 1000 > deadline:
                raise TimeoutError(f"no DingTalk rate slot for {api} within {max_wait_seconds}s")
            self._sleep(wait_ms / 1000)

    def cool_down(self, api: str, seconds: float = 1.0) -> None:
        """After DingTalk throttled us, pause every process's calls to `api` for a while."""
        self._redis.set(
            redis_keys.dingtalk_rate_cooldown(self._app_key, api), "1", px=int(seconds * 1000)
        )
