"""FastRead answers what Connection.execute answers, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, bindparam, exc, func, select, text
from sqlalchemy.orm import Session

from storage.db import make_engine, upgrade_database
from storage.fastread import FastRead, KeptReader, PooledReader
from storage.models import Interview, ScoreDimension
from storage.runtime import Runtime
from storage.sql import in_constants, json_rows
from tests.miniapp import factory as f

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """The tests' PostgreSQL (emptied) or a fresh migrated SQLite file, with a few rows."""
    if request.param == "postgresql":
        runtime: Runtime = request.getfixturevalue("runtime")
        engine = runtime.engine
    else:
        url = f"sqlite:///{tmp_path / 'fastread.db'}"
        upgrade_database(url)
        engine = make_engine(url)
    with Session(engine) as s:
        f.department(s, "d-1")
        f.position(s, "p-1", "d-1", title="店长")
        f.candidate(s, "c-1")
        f.application(s, "a-1", "c-1", "p-1")
        f.interview(s, "i-1", "a-1", scheduled_at=NOW, interviewer_names=["王经理", "AI"])
        f.interview(s, "i-2", "a-1", kind="onsite", round=2, scheduled_at=NOW + timedelta(days=1))
        f.interview(s, "i-3", "a-1", round=3, scheduled_at=None)
        f.score(s, "s-1", "i-1", 86.5, dimensions={"logic": 90.0, "expression": 80.5})
        s.commit()
    yield engine
    if request.param == "sqlite":
        engine.dispose()


def _interviews() -> FastRead:
    i = Interview.__table__
    return FastRead(
        select(i.c.id, i.c.round, i.c.scheduled_at, i.c.interviewer_names, i.c.kind)
        .where(
            i.c.application_id == bindparam("application_id"),
            i.c.kind != "video",  # a value the statement carries itself
        )
        .order_by(i.c.round)
        .limit(2)
    )


def test_rows_match_connection_execute(any_engine: Engine) -> None:
    read = _interviews()
    params = {"application_id": "a-1"}
    with any_engine.connect() as conn:
        expected = [tuple(row) for row in conn.execute(read.statement, params)]
        rows = read.all(conn, params)
    assert [tuple(row) for row in rows] == expected
    assert [row.id for row in rows] == ["i-1", "i-2"]
    # Types come back as Connection.execute gives them: aware UTC datetimes, decoded JSON.
    assert rows[0].scheduled_at == NOW and rows[0].scheduled_at.tzinfo is not None
    assert rows[0].interviewer_names == ["王经理", "AI"]


def test_runs_on_a_session_and_on_a_pooled_reader(any_engine: Engine) -> None:
    read = _interviews()
    with Session(any_engine) as session:
        through_session = read.all(session, {"application_id": "a-1"})
    reader = PooledReader(any_engine)
    try:
        through_reader = read.all(reader, {"application_id": "a-1"})
    finally:
        reader.close()
    assert through_session == through_reader and len(through_reader) == 2


def test_a_missing_parameter_is_refused(any_engine: Engine) -> None:
    with any_engine.connect() as conn, pytest.raises(exc.ArgumentError, match="application_id"):
        _interviews().all(conn, {})


def test_expanding_parameters_are_refused(any_engine: Engine) -> None:
    i = Interview.__table__
    read = FastRead(select(i.c.id).where(i.c.kind.in_(["ai", "onsite"])))
    with any_engine.connect() as conn, pytest.raises(ValueError, match="expanding"):
        read.all(conn, {})


def test_json_rows_gathers_children_and_gives_an_empty_list_for_none(any_engine: Engine) -> None:
    i, d = Interview.__table__, ScoreDimension.__table__
    dims = (
        select(json_rows(d.c.ordinal, d.c.key, d.c.score))
        .where(d.c.score_id == bindparam("score_id"))
        .scalar_subquery()
    )
    read = FastRead(select(i.c.id, dims.label("dims")).where(i.c.id == "i-1"))
    with any_engine.connect() as conn:
        (row,) = read.all(conn, {"score_id": "s-1"})
        (empty,) = read.all(conn, {"score_id": "s-none"})
    assert sorted(map(tuple, row.dims)) == [(0, "logic", 90.0), (1, "expression", 80.5)]
    assert empty.dims == []


def _terminate(runtime: Runtime, pid: int) -> None:
    with runtime.engine.begin() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


PID = FastRead(select(func.pg_backend_pid().label("pid")))


def test_a_reader_whose_connection_the_server_dropped_reads_again_on_a_fresh_one(
    runtime: Runtime,
) -> None:
    engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True, pool_size=1)
    try:
        reader = PooledReader(engine)
        (before,) = PID.all(reader, {})
        _terminate(runtime, before.pid)
        (after,) = PID.all(reader, {})  # no error: the read is retried once
        reader.close()
        assert after.pid != before.pid
    finally:
        engine.dispose()


def test_a_connection_the_server_dropped_is_invalidated_not_retried(runtime: Runtime) -> None:
    # A Connection may be inside a transaction: the error surfaces, and the pool drops it.
    engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True, pool_size=1)
    try:
        with engine.connect() as conn:
            (row,) = PID.all(conn, {})
            _terminate(runtime, row.pid)
            with pytest.raises(exc.DBAPIError) as caught:
                PID.all(conn, {})
            assert caught.value.connection_invalidated
        with engine.connect() as conn:
            (again,) = PID.all(conn, {})
        assert again.pid != row.pid
    finally:
        engine.dispose()


def test_the_kept_reader_serves_one_thread_at_a_time_and_survives_a_restart(
    runtime: Runtime,
) -> None:
    engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True, pool_size=2)
    kept = KeptReader(engine)
    try:
        first = kept.take()
        assert first is not None
        assert kept.take() is None  # taken: another thread would use the pool
        (one,) = PID.all(first, {})
        kept.give_back()
        second = kept.take()
        assert second is first  # kept between uses: no checkout
        (same,) = PID.all(second, {})
        assert same.pid == one.pid
        kept.give_back()
        _terminate(runtime, one.pid)
        third = kept.take()  # the checkout test sees the server's goodbye and reconnects
        assert third is not None
        (fresh,) = PID.all(third, {})
        kept.give_back()
        assert fresh.pid != one.pid
    finally:
        kept.close()
        engine.dispose()


def test_in_constants_compiles_once_and_refuses_anything_but_plain_codes(
    any_engine: Engine,
) -> None:
    i = Interview.__table__
    read = FastRead(select(i.c.id).where(in_constants(i.c.kind, ("ai", "onsite"))).order_by(i.c.id))
    with any_engine.connect() as conn:
        assert [r.id for r in read.all(conn, {})] == ["i-1", "i-2", "i-3"]
    with pytest.raises(ValueError, match="plain code"):
        in_constants(i.c.kind, ("ai", "x') OR ('1'='1"))
