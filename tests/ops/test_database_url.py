"""PostgreSQL in production (issue 24, item 4): DATABASE_URL's `sslmode` reaches the driver, and
the pool is the one the settings describe."""

from __future__ import annotations

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.db import engine_for
from tests.conftest import make_test_settings


def _with_query(database_url: str, **query: str) -> str:
    url = make_url(database_url).update_query_dict(query)
    return url.render_as_string(hide_password=False)


def test_sslmode_reaches_the_driver(database_url: str, redis_url: str) -> None:
    # The test server has no TLS: "disable" connects, "require" must be refused by the driver,
    # which proves the parameter is not dropped on the way.
    plain = engine_for(make_test_settings(_with_query(database_url, sslmode="disable"), redis_url))
    with plain.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1
    assert plain.url.query["sslmode"] == "disable"
    plain.dispose()
    strict = engine_for(make_test_settings(_with_query(database_url, sslmode="require"), redis_url))
    with pytest.raises(OperationalError, match="SSL"):
        strict.connect().close()
    strict.dispose()


def test_the_pool_follows_the_settings(database_url: str, redis_url: str) -> None:
    settings = make_test_settings(
        database_url,
        redis_url,
        DATABASE_POOL_SIZE=3,
        DATABASE_MAX_OVERFLOW=2,
        DATABASE_POOL_TIMEOUT_SECONDS=0.5,
        DATABASE_POOL_RECYCLE_SECONDS=600,
    )
    engine = engine_for(settings)
    held = [engine.connect() for _ in range(5)]  # size + overflow
    with pytest.raises(PoolTimeout, match="QueuePool limit of size 3 overflow 2"):
        engine.connect()
    assert engine.pool._recycle == 600  # type: ignore[attr-defined]
    for conn in held:
        conn.close()
    engine.dispose()
