"""The connections a process needs, built once by its composition root and handed down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from config import Settings
from storage.db import check_migrated, engine_for, make_session_factory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: Callable[[], Session]
    redis: redis.Redis
    closers: list[Callable[[], None]] = field(default_factory=list)

    def run_closers(self) -> None:
        """Close what was registered on this runtime (last registered first), not its own
        engine and Redis: for a runtime that shares those with others (the tests)."""
        for close in reversed(self.closers):
            close()

    def close(self) -> None:
        self.run_closers()
        self.redis.close()
        self.engine.dispose()


# Default timeouts of our clients: a dead Redis fails a request fast instead of hanging it.
REDIS_TIMEOUT_SECONDS = 5.0
# How long a command keeps retrying (reconnecting each time) while Sentinel fails the master
# over: a failover promotes the replica within a few seconds; a command that started against
# the old master waits for the new one instead of failing the job or the request.
FAILOVER_RETRIES = 20
FAILOVER_BACKOFF_CAP_SECONDS = 1.0


def make_redis(
    url: str, *, timeout: float | None = REDIS_TIMEOUT_SECONDS, **tls: Any
) -> redis.Redis:
    """A Redis client with timeouts, so a dead Redis fails fast instead of hanging a request.

    RQ workers block on BLPOP for minutes; they pass `timeout=None` for reads (the connect
    timeout stays) or RQ would take the read timeout for a dead Redis and quit. `tls` are
    redis-py's `ssl_*` options, for rediss:// URLs only.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout or REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
        **tls,
    )


def _tls_options(settings: Settings, url: str) -> dict[str, Any]:
    """redis-py's TLS options for a rediss:// URL (a plain connection refuses them)."""
    if urlsplit(url).scheme != "rediss":
        return {}
    options: dict[str, Any] = {
        "ssl_cert_reqs": settings.REDIS_SSL_CERT_REQS,
        "ssl_check_hostname": settings.REDIS_SSL_CERT_REQS == "required",
    }
    if settings.REDIS_SSL_CA_CERTS:
        options["ssl_ca_certs"] = settings.REDIS_SSL_CA_CERTS
    return options


def redis_for(settings: Settings, *, timeout: float | None = REDIS_TIMEOUT_SECONDS) -> redis.Redis:
    """The Redis client of a process: REDIS_URL's server, or the master Sentinel names.

    Every client a process builds comes from here (runtime, RQ worker), so all of them follow a
    failover. With Sentinel, REDIS_URL gives the scheme, credentials and db number only.
    """
    url = settings.require("REDIS_URL")
    tls = _tls_options(settings, url)
    if not settings.REDIS_SENTINELS:
        return make_redis(url, timeout=timeout, **tls)
    parts = urlsplit(url)
    ssl = {"ssl": True, **tls} if tls else {}
    sockets = {
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
    }
    # redis-py's sentinel module has no type annotations.
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        settings.sentinel_addresses(), sentinel_kwargs={**sockets, **ssl}
    )
    client: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]
        settings.require("REDIS_SENTINEL_MASTER"),
        redis_class=redis.Redis,
        socket_timeout=timeout,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        health_check_interval=30,
        db=int(parts.path.strip("/") or 0),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        retry=Retry(
            ExponentialWithJitterBackoff(cap=FAILOVER_BACKOFF_CAP_SECONDS), FAILOVER_RETRIES
        ),
        **ssl,
    )
    return client


def build_runtime(settings: Settings, *, require_migrated: bool = True) -> Runtime:
    """Connect to the database and Redis named by settings; refuse an un-migrated schema."""
    engine = engine_for(settings)
    if require_migrated:
        check_migrated(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=redis_for(settings),
    )


def check_database(engine: Engine) -> None:
    """Raise when the database does not answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
