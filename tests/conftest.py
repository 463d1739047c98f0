"""Shared fixtures: real PostgreSQL and Redis from DATABASE_URL / REDIS_URL (`make test` starts
throwaway ones). Each test starts from empty tables and an empty Redis database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from config import Settings
from storage.base import Base
from storage.db import make_engine, make_session_factory, upgrade_database
from storage.runtime import Runtime, make_redis


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the suite with `make test`, which starts the services")
    return value


@pytest.fixture(scope="session")
def database_url() -> str:
    return _required_env("DATABASE_URL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return _required_env("REDIS_URL")


def make_test_settings(database_url: str, redis_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DINGTALK_APP_KEY": "dingdemoappkey",
        "DINGTALK_APP_SECRET": "demo-app-secret",
        "DINGTALK_CORP_ID": "dingdemocorp",
        "DINGTALK_AGENT_ID": "100001",
        "DINGTALK_ROBOT_CODE": "dingdemoappkey",
        "DINGTALK_CALLBACK_TOKEN": "demo-callback-token",
        "DINGTALK_CALLBACK_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "EHR_BASE_URL": "http://127.0.0.1:9",
        "EHR_API_TOKEN": "test-ehr-token",
        "EHR_WEBHOOK_SECRET": "test-webhook-secret",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str) -> Settings:
    return make_test_settings(database_url, redis_url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    url = settings.require("DATABASE_URL")
    upgrade_database(url)
    engine = make_engine(url, pool_size=10)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def runtime(settings: Settings, engine: Engine) -> Iterator[Runtime]:
    """Connections on empty tables and an empty Redis db, for one test."""
    _empty_tables(engine)
    redis = make_redis(settings.require("REDIS_URL"))
    redis.flushdb()
    runtime = Runtime(
        settings=settings, engine=engine, session_factory=make_session_factory(engine), redis=redis
    )
    yield runtime
    # What apps built on it opened (the mini-app's read pool); the shared engine stays open.
    runtime.run_closers()
    redis.close()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('poison') / 'cache.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def any_runtime(request: pytest.FixtureRequest, runtime: Runtime) -> Iterator[Runtime]:
    """The test runtime on PostgreSQL, or the same settings and Redis on a SQLite file (the
    embedded default): for what must behave alike on both, such as hostile input."""
    if request.param == "postgresql":
        yield runtime
        return
    engine: Engine = request.getfixturevalue("sqlite_engine")
    _empty_tables(engine)
    url = engine.url.render_as_string(hide_password=False)
    lite = Runtime(
        # The mini-app's read pool is built from the URL: it must be the SQLite file's too.
        settings=runtime.settings.model_copy(update={"DATABASE_URL": url}),
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=runtime.redis,
    )
    yield lite
    lite.run_closers()


@pytest.fixture
def session(runtime: Runtime) -> Iterator[Session]:
    """A session on the test runtime, closed after the test (the one `session` fixture)."""
    s = runtime.session_factory()
    yield s
    s.close()


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    from web import create_app

    return create_app(runtime=runtime, test_config={"TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
