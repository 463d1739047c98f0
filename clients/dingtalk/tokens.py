"""The app access token, cached in Redis and shared by every process.

One process at a time fetches (a Redis lock); the others wait for the cache. The token is
refreshed early (DingTalk hands out the same token, extended, while it is still valid), and a
token DingTalk rejected is dropped only if it is still the cached one, so a slow process cannot
throw away a token another process just fetched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import WatchError

from clients.dingtalk.errors import DingTalkTransient
from storage import redis_keys


@dataclass(frozen=True)
class FetchedToken:
    value: str
    expires_in: int


class TokenCache:
    def __init__(
        self,
        redis: Redis,
        app_key: str,
        fetch: Callable[[], FetchedToken],
        *,
        refresh_margin_seconds: int = 600,
        lock_seconds: int = 15,
        wait_seconds: float = 10.0,
    ) -> None:
        self._redis = redis
        self._app_key = app_key
        self._fetch = fetch
        self._margin = refresh_margin_seconds
        self._lock_seconds = lock_seconds
        self._wait_seconds = wait_seconds

    @property
    def _key(self) -> str:
        return redis_keys.dingtalk_token(self._app_key)

    def get(self) -> str:
        """A valid token: from the cache, or fetched by exactly one process."""
        deadline = time.monotonic() + self._wait_seconds
        while True:
            cached = self._redis.get(self._key)
            if cached is not None:
                return cached.decode() if isinstance(cached, bytes) else str(cached)
            lock = self._redis.lock(
                redis_keys.dingtalk_token_lock(self._app_key),
                timeout=self._lock_seconds,
                blocking=False,
            )
            if lock.acquire():
                try:
                    return self._refresh_locked()
                finally:
                    lock.release()
            if time.monotonic() > deadline:
                raise DingTalkTransient(
                    "timed out waiting for another process's token fetch", api="accessToken"
                )
            time.sleep(0.05)

    def _refresh_locked(self) -> str:
        cached = self._redis.get(self._key)
        if cached is not None:
            return cached.decode() if isinstance(cached, bytes) else str(cached)
        token = self._fetch()
        # Refresh early: keep the token cached for less than its real lifetime (half of it when
        # the lifetime is short, as in the sandbox's expiry tests).
        if token.expires_in > 2 * self._margin:
            ttl = token.expires_in - self._margin
        else:
            ttl = token.expires_in // 2
        self._redis.set(self._key, token.value, ex=max(ttl, 1))
        return token.value

    def invalidate(self, rejected: str) -> None:
        """Drop `rejected` if it is still the cached token (compare-and-delete)."""
        pipe = self._redis.pipeline()
        while True:
            try:
                pipe.watch(self._key)  # type: ignore[no-untyped-call]
                current = pipe.get(self._key)
                value = current.decode() if isinstance(current, bytes) else current
                pipe.multi()
                if value == rejected:
                    pipe.delete(self._key)
                pipe.execute()
                return
            except WatchError:  # someone changed it meanwhile: look again
                continue
            finally:
                pipe.reset()
