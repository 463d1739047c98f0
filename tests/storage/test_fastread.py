"""FastRead answers what Connection.execute answers, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, bindparam, exc, func, select, text
from sqlalchemy.orm import Session

from storage.db import make_engine, upgrade_database
from storage.fastread import FastRead, PooledReader
from storage.models import Interview, ScoreDimension
from storage.runtime import Runtime
from storage.sql import json_rows
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


def test_a_connection_the_server_dropped_is_invalidated_and_replaced(runtime: Runtime) -> None:
    engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True, pool_size=1)
    pid = FastRead(select(func.pg_backend_pid().label("pid")))
    try:
        reader = PooledReader(engine)
        (row,) = pid.all(reader, {})
        with runtime.engine.begin() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": row.pid})
        with pytest.raises(exc.DBAPIError) as caught:
            pid.all(reader, {})
        assert caught.value.connection_invalidated
        reader.close()
        # The pool hands out a fresh connection, not the dead one.
        fresh = PooledReader(engine)
        (again,) = pid.all(fresh, {})
        fresh.close()
        assert again.pid != row.pid
    finally:
        engine.dispose()
