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

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Select, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

Processor = Callable[[Any], Any] | None


class PooledReader:
    """A connection checked out of an engine's pool for `FastRead` alone, without a
    `Connection` around it (whose set-up is most of a checkout's cost). `close()` returns it.
    """

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect
        try:
            self._proxied: PoolProxiedConnection = engine.raw_connection()
        except self.dialect.loaded_dbapi.Error as error:
            # As Connection would raise it, so callers see one kind of "database unavailable".
            raise exc.DBAPIError.instance(
                None, None, error, self.dialect.loaded_dbapi.Error
            ) from error

    @property
    def dbapi_connection(self) -> Any:
        return self._proxied.dbapi_connection

    def invalidate(self, error: BaseException) -> None:
        self._proxied.invalidate(error)

    def close(self) -> None:
        self._proxied.close()


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
        dbapi_conn = (
            conn.dbapi_connection
            if isinstance(conn, PooledReader)
            else conn.connection.dbapi_connection
        )
        cursor = None
        try:
            cursor = dbapi_conn.cursor()  # type: ignore[union-attr]
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
        make = self._row_type._make
        processors = compiled.result_processors
        if not any(processors):
            return [make(row) for row in raw]
        return [
            make(
                value if proc is None else proc(value)
                for proc, value in zip(processors, row, strict=True)
            )
            for row in raw
        ]

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
