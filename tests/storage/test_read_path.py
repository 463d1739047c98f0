"""The mini-app's read path (storage/fastread.py) answers what Connection.execute answers, on
PostgreSQL and SQLite alike, whichever reader it is given: the same rows, parameters and
results converted as SQLAlchemy converts them (aware UTC datetimes, JSON as Python)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, exc, func, select, text
from sqlalchemy.orm import Session

from storage.base import UTCDateTime
from storage.db import make_engine, upgrade_database
from storage.fastread import FastRead, ReadConnection
from storage.models import Interview, Score, ScoreDimension
from storage.runtime import Runtime
from storage.sql import in_constants, json_rows
from tests import factories as f

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
_I, _S, _D = Interview.__table__, Score.__table__, ScoreDimension.__table__


@pytest.fixture(params=["postgresql", "sqlite"])
def read_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An autocommit read engine (the mini-app's kind) on the tests' PostgreSQL, emptied, or on
    a fresh migrated SQLite file; with a few rows."""
    if request.param == "postgresql":
        runtime: Runtime = request.getfixturevalue("runtime")
        url = runtime.settings.require("DATABASE_URL")
    else:
        url = f"sqlite:///{tmp_path / 'read_path.db'}"
        upgrade_database(url)
    writer = make_engine(url)
    with Session(writer) as s:
        f.department(s, "d-1")
        f.position(s, "p-1", "d-1", title="店长")
        f.candidate(s, "c-1")
        f.application(s, "a-1", "c-1", "p-1")
        f.interview(s, "i-1", "a-1", scheduled_at=NOW, interviewer_names=["王经理", "AI"])
        f.interview(s, "i-2", "a-1", kind="onsite", round=2, scheduled_at=NOW + timedelta(days=1))
        f.interview(s, "i-3", "a-1", round=3, scheduled_at=None, deadline_at=None)
        f.score(s, "s-1", "i-1", 86.5, dimensions={"logic": 90.0, "expression": 80.5})
        s.commit()
    writer.dispose()
    engine = make_engine(url, autocommit=True)
    yield engine
    engine.dispose()


def _interviews() -> FastRead:
    """Every kind of value the views read: text, numbers, UTC datetimes, JSON, a boolean,
    children as a JSON array, a datetime parameter, a LIMIT and a literal of its own."""
    dims = (
        select(json_rows(_D.c.ordinal, _D.c.key, _D.c.score))
        .select_from(_S.join(_D, _D.c.score_id == _S.c.id))
        .where(_S.c.interview_id == _I.c.id)
        .scalar_subquery()
    )
    scored = select(_S.c.overall).where(_S.c.interview_id == _I.c.id).scalar_subquery()
    return FastRead(
        select(
            _I.c.id,
            _I.c.round,
            _I.c.scheduled_at,
            _I.c.deadline_at,
            _I.c.interviewer_names,
            (_I.c.kind == "ai").label("is_ai"),
            scored.label("overall"),
            dims.label("dims"),
        )
        .where(
            _I.c.application_id == bindparam("application_id"),
            _I.c.kind != "video",
            func.coalesce(_I.c.scheduled_at, _I.c.deadline_at)
            >= bindparam("since", type_=UTCDateTime()),
        )
        .order_by(_I.c.round)
        .limit(5)
    )


def _readers(engine: Engine) -> Iterator[tuple[str, Any]]:
    """The same engine as each kind of reader FastRead takes."""
    reader = ReadConnection(engine)
    try:
        yield "read connection", reader
    finally:
        reader.close()
    with engine.connect() as conn:
        yield "connection", conn
    with Session(engine) as session:
        yield "session", session


def _as_tuples(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("offset_hours", [0, 8, -5])
def test_every_reader_gives_the_rows_connection_execute_gives(
    read_engine: Engine, offset_hours: int
) -> None:
    read = _interviews()
    # The same instant in another offset selects the same rows (parameters keep their meaning).
    since = (NOW - timedelta(hours=1)).astimezone(timezone(timedelta(hours=offset_hours)))
    params = {"application_id": "a-1", "since": since}
    with read_engine.connect() as conn:
        expected = _as_tuples(list(conn.execute(read.statement, params)))
    assert [row[0] for row in expected] == ["i-1", "i-2"]
    for name, reader in _readers(read_engine):
        for _ in range(3):  # a prepared statement answers its later runs the same
            assert _as_tuples(read.all(reader, params)) == expected, name


def test_results_are_aware_utc_datetimes_and_python_json(read_engine: Engine) -> None:
    read = _interviews()
    params = {"application_id": "a-1", "since": NOW - timedelta(days=30)}
    for name, reader in _readers(read_engine):
        first, second = read.all(reader, params)
        assert first.scheduled_at == NOW and first.scheduled_at.utcoffset() == timedelta(0), name
        assert first.scheduled_at.tzinfo == UTC and second.deadline_at.tzinfo == UTC, name
        assert first.interviewer_names == ["王经理", "AI"], name
        assert first.is_ai is True and second.is_ai is False, name
        assert first.overall == 86.5 and second.overall is None, name
        assert sorted(map(tuple, first.dims)) == [(0, "logic", 90.0), (1, "expression", 80.5)]
        assert second.dims == [], name  # no children: an empty list, not NULL


def test_datetimes_come_back_in_utc_whatever_the_sessions_time_zone(runtime: Runtime) -> None:
    engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True)
    with Session(runtime.engine) as s:
        f.department(s, "d-1")
        f.position(s, "p-1", "d-1")
        f.candidate(s, "c-1")
        f.application(s, "a-1", "c-1", "p-1")
        f.interview(s, "i-1", "a-1", scheduled_at=NOW)
        s.commit()
    read = FastRead(select(_I.c.id, _I.c.scheduled_at).where(_I.c.id == bindparam("id")))
    reader = ReadConnection(engine)
    try:
        reader.connection.exec_driver_sql("SET TIME ZONE 'Asia/Shanghai'")
        ((_, at),) = read.all(reader, {"id": "i-1"})
    finally:
        reader.close(discard=True)  # the connection's time zone is not the pool's business
        engine.dispose()
    assert at == NOW and at.tzinfo == UTC


def test_a_missing_parameter_is_refused(read_engine: Engine) -> None:
    for name, reader in _readers(read_engine):
        with pytest.raises(exc.SQLAlchemyError, match="application_id"):
            _interviews().all(reader, {"since": NOW})
        assert name


def test_a_naive_datetime_parameter_is_refused(read_engine: Engine) -> None:
    # UTCDateTime refuses it on every path (psycopg alone would read it in the session's zone).
    for name, reader in _readers(read_engine):
        with pytest.raises(exc.StatementError, match="naive"):
            _interviews().all(reader, {"application_id": "a-1", "since": datetime(2026, 1, 1)})
        assert name


def test_expanding_parameters_are_refused_and_in_constants_are_compiled_in(
    read_engine: Engine,
) -> None:
    with pytest.raises(ValueError, match="expanding"):
        FastRead(select(_I.c.id).where(_I.c.kind.in_(["ai", "onsite"])))
    read = FastRead(
        select(_I.c.id).where(in_constants(_I.c.kind, ("ai", "onsite"))).order_by(_I.c.id)
    )
    for name, reader in _readers(read_engine):
        assert [row.id for row in read.all(reader, {})] == ["i-1", "i-2", "i-3"], name
    with pytest.raises(ValueError, match="plain code"):
        in_constants(_I.c.kind, ("ai", "x') OR ('1'='1"))


@pytest.mark.parametrize("read_engine", ["postgresql"], indirect=True)
def test_reads_on_postgresql_use_a_server_side_prepared_statement(read_engine: Engine) -> None:
    """What makes the path fast: the statement is parsed and planned once per connection (an
    ad hoc statement would only be prepared after a few runs)."""
    prepared = text(
        "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%interviewer_names%'"
    )
    reader = ReadConnection(read_engine)
    try:
        _interviews().all(reader, {"application_id": "a-1", "since": NOW})
        count = reader.connection.execute(prepared).scalar_one()
    finally:
        reader.close()
    assert count == 1
