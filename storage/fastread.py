"""Run a Core SELECT compiled once, straight on the pooled DBAPI cursor: for the hottest reads.

SQLAlchemy's per-execution machinery (execution context, cache lookup, parameter and result
set-up, events) costs a request of the mini-app's candidate views more CPU than the query
itself. `FastRead` keeps what matters from it: the statement is built with Core and compiled
by the connection's dialect, runs on a connection checked out of the engine's pool (liveness
check included), converts parameters and results with the columns' own types (so SQLite's
text datetimes and JSON come back as Python values, as from `Connection.execute`), and turns a
driver error into SQLAlchemy's exception, invalidating a connection the server dropped.

It does not cover: statements whose parameters "expand" at execution (`in_()` over a bound
list), ORM entities, and writes. Use `Connection.execute` for anything else.
"""

from __future__ import annotations

import threading
import time
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from storage.db import connection_is_alive

Processor = Callable[[Any], Any] | None


class PooledReader:
    """A connection checked out of an engine's pool for `FastRead` alone, without a
    `Connection` around it (whose set-up is most of a checkout's cost). `close()` returns it.

    A read that finds the connection dropped by the server is retried once on a fresh one:
    reads are idempotent and nothing else runs on this connection.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._proxied = self._checkout()

    def _checkout(self) -> PoolProxiedConnection:
        try:
            return self.engine.raw_connection()
        except self.dialect.loaded_dbapi.Error as error:
            # As Connection would raise it, so callers see one kind of "database unavailable".
            raise exc.DBAPIError.instance(
                None, None, error, self.dialect.loaded_dbapi.Error
            ) from error

    @property
    def dbapi_connection(self) -> Any:
        return self._proxied.dbapi_connection

    @property
    def is_valid(self) -> bool:
        return self._proxied.is_valid

    def invalidate(self, error: BaseException | None = None) -> None:
        self._proxied.invalidate(error)

    def reconnect(self) -> None:
        """Drop this connection (the pool replaces it) and check out another."""
        if self._proxied.is_valid:
            self._proxied.invalidate()
        self._proxied.close()
        self._proxied = self._checkout()

    def close(self) -> None:
        self._proxied.close()


class KeptReader:
    """One `PooledReader` kept checked out between requests, for whichever thread takes it.

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
        self._reader: PooledReader | None = None
        self._released_at = 0.0

    def take(self) -> PooledReader | None:
        if not self._lock.acquire(blocking=False):
            return None
        try:
            reader = self._reader
            if reader is not None and not self._alive(reader):
                reader.reconnect()
            if reader is None:
                reader = self._reader = PooledReader(self._engine)
            return reader
        except BaseException:
            self._lock.release()
            raise

    def give_back(self) -> None:
        self._released_at = time.monotonic()
        self._lock.release()

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _alive(self, reader: PooledReader) -> bool:
        if not reader.is_valid:  # invalidated by a failed read
            return False
        if reader.dialect.name != "postgresql":  # a file database does not drop connections
            return True
        idle = time.monotonic() - self._released_at
        return connection_is_alive(reader.dbapi_connection, idle_seconds=idle)


Reader = Connection | Session | PooledReader


@dataclass
class _Compiled:
    sql: str
    # Parameter names in order for positional paramstyles (SQLite's qmark), else None.
    positions: tuple[str, ...] | None
    bind_processors: dict[str, Processor]
    # Values of the binds the statement carries itself (literals, LIMIT); None: caller gives it.
    defaults: dict[str, Any]
    # Filled from the first cursor's description (some processors depend on the driver type).
    result_processors: list[Processor] | None = None


class FastRead:
    """A SELECT compiled once per dialect and executed on the DBAPI cursor."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        names = tuple(statement.selected_columns.keys())
        self._types = [column.type for column in statement.selected_columns]
        # namedtuple: attribute access by name at tuple speed, like SQLAlchemy's Row.
        self._row_type: Any = namedtuple("Row", names)  # type: ignore[misc]
        self._by_dialect: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("FastRead cannot run a statement with expanding parameters")
        processors: dict[str, Processor] = {}
        defaults: dict[str, Any] = {}
        for name, bind in compiled.binds.items():
            processors[name] = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if not bind.required:
                defaults[name] = bind.effective_value
        positions = tuple(compiled.positiontup or ()) if compiled.positional else None
        return _Compiled(compiled.string, positions, processors, defaults)

    def all(self, reader: Reader, params: Mapping[str, Any]) -> list[Any]:
        """Return every row; rows are tuples with the statement's column names as attributes."""
        conn: Connection | PooledReader = (
            reader.connection() if isinstance(reader, Session) else reader
        )
        dialect = conn.dialect
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            compiled = self._by_dialect[dialect.name] = self._compile(dialect)
        values = self._bind(compiled, params)
        if not isinstance(conn, PooledReader):
            raw = self._execute(conn, compiled, values)
        else:
            try:
                raw = self._execute(conn, compiled, values)
            except exc.DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                # The server dropped the connection (a restart, a failover): read again on a
                # fresh one. Only a reader that owns its connection may: a Connection or a
                # Session might be inside a transaction.
                conn.reconnect()
                raw = self._execute(conn, compiled, values)
        make = self._row_type._make
        processors = compiled.result_processors
        assert processors is not None
        if not any(processors):
            return [make(row) for row in raw]
        return [
            make(
                value if proc is None else proc(value)
                for proc, value in zip(processors, row, strict=True)
            )
            for row in raw
        ]

    def _execute(
        self, conn: Connection | PooledReader, compiled: _Compiled, values: Any
    ) -> Sequence[Sequence[Any]]:
        dialect = conn.dialect
        dbapi_conn: Any = (
            conn.dbapi_connection
            if isinstance(conn, PooledReader)
            else conn.connection.dbapi_connection
        )
        cursor = None
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute(compiled.sql, values)
            raw: Sequence[Sequence[Any]] = cursor.fetchall()
            if compiled.result_processors is None:
                compiled.result_processors = self._result_processors(dialect, cursor.description)
            cursor.close()
        except dialect.loaded_dbapi.Error as error:
            dropped = dialect.is_disconnect(error, dbapi_conn, cursor)
            if dropped:
                conn.invalidate(error)  # the pool replaces it; it is never handed out again
            raise exc.DBAPIError.instance(
                compiled.sql,
                values,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=dropped,
                dialect=dialect,
            ) from error
        return raw

    def _bind(self, compiled: _Compiled, params: Mapping[str, Any]) -> Any:
        values = {}
        for name, processor in compiled.bind_processors.items():
            if name in params:
                value = params[name]
            elif name in compiled.defaults:
                value = compiled.defaults[name]
            else:
                raise exc.ArgumentError(f"a value is required for bind parameter {name!r}")
            values[name] = value if processor is None else processor(value)
        if compiled.positions is not None:
            return tuple(values[name] for name in compiled.positions)
        return values

    def _result_processors(self, dialect: Dialect, description: Any) -> list[Processor]:
        return [
            type_.dialect_impl(dialect).result_processor(dialect, column[1])
            for type_, column in zip(self._types, description, strict=True)
        ]
