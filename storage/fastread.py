"""Run a Core SELECT built once on psycopg's prepared statements: for the hottest reads.

SQLAlchemy's execution of even a cached Core statement (`Connection.execute`, or
`exec_driver_sql`) adds about half a million instructions to each of a candidate's reads
(execution context, result metadata from the cursor's description, row processing), where the
whole request takes 1.2 million on the direct path (docs/benchmarks.md). So on PostgreSQL a
`FastRead` given a `ReadConnection` runs the SQL that SQLAlchemy compiles for the statement
(once per dialect) straight on the connection's psycopg connection, with psycopg's public API:
a server-side prepared statement (`execute(..., prepare=True)`) on a cursor kept per connection,
and a row factory that makes named tuples without reading the cursor's description. psycopg
converts the values itself, giving what SQLAlchemy gives for the types in `_PSYCOPG_CONVERTS`;
a `UTCDateTime` goes through its own `process_result_value` (aware UTC). Parameters reach
psycopg as they are (strings, numbers, None, aware datetimes), with the statement's own values
(LIMIT, literals) filled in by `Compiled.construct_params`.

Everything else runs through `Connection.execute`: SQLite, a `Connection` or `Session` a caller
passes, a statement selecting another type, a naive datetime parameter, and any driver error.
SQLAlchemy then converts with the column types, reconnects an invalidated connection and raises
its own exceptions (an `OperationalError` answers 503); a read whose connection the server
dropped is retried once on a fresh one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    Boolean,
    Connection,
    Engine,
    Float,
    Integer,
    Select,
    String,
    Text,
    exc,
)
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.types import NullType

from storage.base import UTCDateTime
from storage.db import connection_is_alive

log = logging.getLogger(__name__)

# Column types psycopg loads as SQLAlchemy returns them (SQLAlchemy has no result processing
# for them on psycopg). Exact types: an Enum is a String that SQLAlchemy converts, and a Numeric
# that is not a Float gives a Decimal. Any other type sends the statement through SQLAlchemy.
_PSYCOPG_CONVERTS = frozenset({String, Text, Integer, Boolean, Float, JSON, NullType, UTCDateTime})


class ReadConnection:
    """A `Connection` of an autocommit read engine (storage.db `make_engine(autocommit=True)`),
    on which `FastRead` may use the driver directly. Used by one thread at a time."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        # Only psycopg's API is used directly; any other driver gets Connection.execute.
        self.psycopg = engine.dialect.driver == "psycopg"
        self.connection = engine.connect()
        self._cursor: Any = None

    def driver_connection(self) -> Any:
        """The psycopg connection, or None when it must not be used directly: not autocommit
        (a read would open a transaction of its own) or lost (SQLAlchemy reconnects)."""
        if not self.psycopg or self.connection.invalidated:
            return None
        driver = self.connection.connection.dbapi_connection
        return driver if driver is not None and driver.autocommit else None

    def cursor(self, driver: Any) -> Any:
        """A psycopg cursor of `driver`, kept for the direct reads on it: psycopg documents
        cursors as reusable, and a new one sets up its type loaders anew."""
        if self._cursor is None or self._cursor.connection is not driver:
            self._cursor = driver.cursor()
        return self._cursor

    def end_transaction(self) -> None:
        """Roll back what Connection.execute began (it begins even in autocommit), so that an
        invalidated connection may reconnect and a kept one starts its next use clean."""
        if self.connection.get_transaction() is not None:
            self.connection.rollback()

    def close(self, *, discard: bool = False) -> None:
        """Give the connection back to the pool, or (`discard`) drop it for a fresh one."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        if discard:
            self.connection.invalidate()
        self.connection.close()


class KeptReader:
    """One `ReadConnection` kept between requests, for whichever thread takes it.

    Checking a connection out of the pool and back in costs a mini-app read about as much as
    its query; a gunicorn sync worker serves one request at a time, so it can keep one
    connection. `take()` gives the kept reader to one thread at a time (None to the others,
    which use the pool as usual), so a process never holds more than one extra connection.
    Before reuse it gets the pool's own checkout test (a connection the server closed is
    replaced; one idle for a while is pinged).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._reader: ReadConnection | None = None
        self._released_at = 0.0

    def take(self) -> ReadConnection | None:
        if not self._lock.acquire(blocking=False):
            return None
        try:
            reader = self._reader
            if reader is not None and not self._alive(reader):
                self._reader = None
                reader.close(discard=True)
            if self._reader is None:
                self._reader = ReadConnection(self._engine)
            return self._reader
        except BaseException:
            self._lock.release()
            raise

    def give_back(self) -> None:
        try:
            if self._reader is not None:
                self._end_use(self._reader)
        finally:
            self._released_at = time.monotonic()
            self._lock.release()

    def _end_use(self, reader: ReadConnection) -> None:
        try:
            reader.end_transaction()
        except exc.DBAPIError:  # the connection failed: the next take() gets a fresh one
            self._reader = None
            reader.close(discard=True)

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _alive(self, reader: ReadConnection) -> bool:
        conn = reader.connection
        if conn.invalidated or conn.closed:  # invalidated by a failed read
            return False
        if reader.dialect.name != "postgresql":  # a file database does not drop connections
            return True
        idle = time.monotonic() - self._released_at
        return connection_is_alive(conn.connection.dbapi_connection, idle_seconds=idle)


Reader = Connection | Session | ReadConnection
RowMaker = Callable[[Sequence[Any]], Any]


class FastRead:
    """A SELECT built once, run on psycopg's prepared statements where it can."""

    def __init__(self, statement: Select[Any]) -> None:
        if any(
            isinstance(node, BindParameter) and (node.expanding or node.literal_execute)
            for node in visitors.iterate(statement)
        ):
            # Their SQL is re-rendered for each execution: nothing to prepare once.
            raise ValueError("FastRead cannot run a statement with expanding parameters")
        self.statement = statement
        columns = list(statement.selected_columns)
        self._direct = all(type(column.type) in _PSYCOPG_CONVERTS for column in columns)
        # namedtuple: attribute access by name at tuple speed, like SQLAlchemy's Row.
        self._row_type: Any = namedtuple("Row", statement.selected_columns.keys())  # type: ignore[misc]
        self._utc = [i for i, column in enumerate(columns) if isinstance(column.type, UTCDateTime)]
        self._by_dialect: dict[str, _Prepared] = {}

    @property
    def direct(self) -> bool:
        """Whether its rows are read on psycopg itself (given a ReadConnection on PostgreSQL):
        every selected column is of a type psycopg converts as SQLAlchemy would."""
        return self._direct

    def all(self, reader: Reader, params: Mapping[str, Any]) -> list[Any]:
        """Return every row; rows are tuples with the statement's column names as attributes."""
        if isinstance(reader, ReadConnection):
            rows = self._direct_rows(reader, params) if self._direct else None
            return rows if rows is not None else self._retrying(reader, params)
        conn = reader.connection() if isinstance(reader, Session) else reader
        return list(conn.execute(self.statement, params))

    def _direct_rows(self, reader: ReadConnection, params: Mapping[str, Any]) -> list[Any] | None:
        """The rows read on psycopg itself, or None to read them through SQLAlchemy instead."""
        driver = reader.driver_connection()
        if driver is None or any(_naive(value) for value in params.values()):
            # SQLAlchemy refuses a naive datetime (UTCDateTime); psycopg would read it in the
            # session's time zone.
            return None
        prepared = self._prepared(reader.dialect)
        try:
            values = prepared.compiled.construct_params(dict(params))
        except exc.InvalidRequestError:  # a required value is missing: SQLAlchemy says so
            return None
        try:
            cursor = reader.cursor(driver)
            cursor.row_factory = prepared.row_factory
            cursor.execute(prepared.compiled.string, values, prepare=True)
            rows: list[Any] = cursor.fetchall()
        except reader.dialect.loaded_dbapi.Error as error:
            dropped = driver.closed or driver.broken  # psycopg's word that the connection is gone
            if dropped:
                reader.connection.invalidate()
            # SQLAlchemy runs it again: its exception (or its reconnection) is the one callers see.
            log.warning(
                "a direct read failed: reading it through SQLAlchemy",
                extra={"ctx": {"error": type(error).__name__, "dropped": dropped}},
            )
            return None
        return rows

    def _retrying(self, reader: ReadConnection, params: Mapping[str, Any]) -> list[Any]:
        reader.end_transaction()
        try:
            return list(reader.connection.execute(self.statement, params))
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
        # The server dropped the connection (a restart, a failover): read again on a fresh one.
        # Only a ReadConnection may: it holds no transaction, and reads are idempotent.
        reader.end_transaction()
        return list(reader.connection.execute(self.statement, params))

    def _prepared(self, dialect: Dialect) -> _Prepared:
        prepared = self._by_dialect.get(dialect.name)
        if prepared is None:
            maker = _row_maker(self._row_type, self._utc, dialect)
            prepared = _Prepared(self.statement.compile(dialect=dialect), lambda _cursor: maker)
            self._by_dialect[dialect.name] = prepared
        return prepared


@dataclass(frozen=True)
class _Prepared:
    compiled: Compiled
    # psycopg asks for a row maker at each execution; this one is fixed by the statement, so
    # the cursor's description (built anew at each access) is never read.
    row_factory: Callable[[Any], RowMaker]


def _naive(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is None


def _row_maker(row_type: Any, utc: list[int], dialect: Dialect) -> RowMaker:
    if not utc:
        make: RowMaker = row_type._make
        return make
    convert = UTCDateTime().process_result_value

    def make_converted(values: Sequence[Any]) -> Any:
        row = list(values)
        for i in utc:
            row[i] = convert(row[i], dialect)
        return row_type._make(row)

    return make_converted
