"""The connections a process needs, built once by its composition root and handed down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from config import Settings
from storage.db import check_migrated, make_engine, make_session_factory


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


def make_redis(url: str, *, timeout: float | None = 5.0) -> redis.Redis:
    """A Redis client with timeouts, so a dead Redis fails fast instead of hanging a request.

    RQ workers block on BLPOP for minutes; they pass `timeout=None` for reads (the connect
    timeout stays) or RQ would take the read timeout for a dead Redis and quit.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout or 5.0,
        health_check_interval=30,
    )


def build_runtime(settings: Settings, *, require_migrated: bool = True) -> Runtime:
    """Connect to the database and Redis named by settings; refuse an un-migrated schema."""
    engine = make_engine(settings.require("DATABASE_URL"))
    if require_migrated:
        check_migrated(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=make_redis(settings.require("REDIS_URL")),
    )


def check_database(engine: Engine) -> None:
    """Raise when the database does not answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
