"""The mini-app's read path when PostgreSQL drops its connection or is unreachable: a dropped
connection is read again on a fresh one, and a database that cannot be reached answers 503
`database_unavailable` (never 500), for the candidate's list and detail alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, exc, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from storage.db import make_engine
from storage.fastread import FastRead, KeptReader, ReadConnection
from storage.runtime import Runtime
from tests import factories as f
from tests.support.servers import free_port

PID = FastRead(select(func.pg_backend_pid().label("pid")))


@pytest.fixture
def read_engine(runtime: Runtime) -> Iterator[Engine]:
    engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True, pool_size=2)
    yield engine
    engine.dispose()


def _terminate(runtime: Runtime, pid: int) -> None:
    with runtime.engine.begin() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_read_whose_connection_the_server_dropped_reads_again_on_a_fresh_one(
    runtime: Runtime, read_engine: Engine
) -> None:
    reader = ReadConnection(read_engine)
    try:
        (before,) = PID.all(reader, {})
        _terminate(runtime, before.pid)
        (after,) = PID.all(reader, {})  # no error: the read is retried once
        (again,) = PID.all(reader, {})  # and the fresh connection is kept
    finally:
        reader.close()
    assert after.pid != before.pid and again.pid == after.pid


def test_a_plain_connection_the_server_dropped_is_invalidated_not_retried(
    runtime: Runtime, read_engine: Engine
) -> None:
    # A Connection a caller passes may be inside a transaction: the error surfaces (as
    # SQLAlchemy raises it), and the pool never hands that connection out again.
    with read_engine.connect() as conn:
        (row,) = PID.all(conn, {})
        _terminate(runtime, row.pid)
        with pytest.raises(exc.OperationalError) as caught:
            PID.all(conn, {})
        assert caught.value.connection_invalidated
    with read_engine.connect() as conn:
        (fresh,) = PID.all(conn, {})
    assert fresh.pid != row.pid


def test_the_kept_reader_serves_one_thread_at_a_time_and_survives_a_restart(
    runtime: Runtime, read_engine: Engine
) -> None:
    kept = KeptReader(read_engine)
    try:
        first = kept.take()
        assert first is not None
        assert kept.take() is None  # taken: another thread would use the pool
        (one,) = PID.all(first, {})
        kept.give_back()
        second = kept.take()
        assert second is first  # kept between uses: no checkout
        (same,) = PID.all(second, {})
        kept.give_back()
        assert same.pid == one.pid
        _terminate(runtime, one.pid)
        third = kept.take()  # the checkout test sees the server's goodbye and reconnects
        assert third is not None
        (fresh,) = PID.all(third, {})
        kept.give_back()
        assert fresh.pid != one.pid
    finally:
        kept.close()


def test_an_unreachable_database_raises_sqlalchemys_operational_error(runtime: Runtime) -> None:
    dead = make_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing?connect_timeout=2",
        autocommit=True,
    )
    try:
        with pytest.raises(exc.OperationalError):
            ReadConnection(dead)
        with pytest.raises(exc.OperationalError):
            KeptReader(dead).take()
    finally:
        dead.dispose()


@contextmanager
def _database_refusing_connections(runtime: Runtime) -> Iterator[None]:
    """Drop every connection to the test database and refuse new ones (as while it restarts),
    then accept them again. From the server's `postgres` database: a database cannot refuse
    connections to itself."""
    url = make_url(runtime.settings.require("DATABASE_URL"))
    admin_engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    quoted = admin_engine.dialect.identifier_preparer.quote(url.database or "")
    try:
        with admin_engine.connect() as admin:
            admin.exec_driver_sql(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS false")
            try:
                admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = :name"
                    ),
                    {"name": url.database},
                )
                yield
            finally:
                admin.exec_driver_sql(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS true")
    finally:
        admin_engine.dispose()


def test_a_dropped_read_that_cannot_reconnect_raises_then_reads_once_it_can(
    runtime: Runtime, read_engine: Engine
) -> None:
    reader = ReadConnection(read_engine)
    try:
        (before,) = PID.all(reader, {})
        with _database_refusing_connections(runtime), pytest.raises(exc.OperationalError):
            PID.all(reader, {})
        (after,) = PID.all(reader, {})
    finally:
        reader.close()
    assert after.pid != before.pid


@pytest.mark.parametrize("path", ["/api/v1/me/interviews", "/api/v1/me/interviews/i-1"])
def test_candidate_views_answer_503_while_the_database_is_unreachable_then_recover(
    runtime: Runtime, client: FlaskClient, path: str
) -> None:
    with Session(runtime.engine) as s:
        f.department(s, "d-1")
        f.position(s, "p-1", "d-1")
        candidate = f.candidate(s, "c-1", uid="u-c1")
        f.application(s, "a-1", "c-1", "p-1")
        f.interview(s, "i-1", "a-1")
        s.commit()
        headers = f.bearer(f.token_for(candidate_row=candidate))
    assert client.get(path, headers=headers).status_code == 200  # the kept reader is open
    with _database_refusing_connections(runtime):
        response = client.get(path, headers=headers)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "5"
    assert client.get(path, headers=headers).status_code == 200
