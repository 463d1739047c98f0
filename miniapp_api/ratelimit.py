"""Fixed-window rate limit of the login per client IP, counted in Redis (shared by workers)."""

from __future__ import annotations

from datetime import datetime

from redis import Redis

from services.errors import RateLimited

PREFIX = "mi:miniapp"


def login_rate_key(client_ip: str, window_index: int) -> str:
    return f"{PREFIX}:login-rate:{client_ip}:{window_index}"


class LoginRateLimited(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many login attempts; retry in {retry_after} s")
        self.retry_after = retry_after


def check_login_rate(
    redis: Redis, client_ip: str, *, limit: int, window_seconds: int, now: datetime
) -> None:
    """Count one attempt; raise LoginRateLimited (with Retry-After seconds) over the limit."""
    stamp = int(now.timestamp())
    window = stamp // window_seconds
    key = login_rate_key(client_ip, window)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, window_seconds + 1)
    count = int(pipe.execute()[0])
    if count > limit:
        raise LoginRateLimited(retry_after=max(1, (window + 1) * window_seconds - stamp))
