"""SQL constructs SQLAlchemy has no portable spelling for, compiled for PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ColumnElement, String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement[Any]):  # a SQL function, so named like one
    """Aggregate: a JSON array holding one JSON array of the given columns per row; [] for none.

    Lets one statement return a parent row with its children (a score's dimensions, say)
    instead of a second round trip. Element order is unspecified: include an ordering column
    and sort after reading.
    """

    type = JSON()
    inherit_cache = True


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    columns = compiler.process(element.clauses, **kw)
    return f"coalesce(json_agg(json_build_array({columns})), '[]'::json)"


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    columns = compiler.process(element.clauses, **kw)
    return f"json_group_array(json_array({columns}))"


def in_constants(column: ColumnElement[Any], values: tuple[str, ...]) -> ColumnElement[bool]:
    """`column IN ('a', 'b')` with the constants in the SQL text.

    A plain `in_()` becomes an "expanding" parameter that SQLAlchemy re-renders into the SQL on
    every execution (and that `FastRead` refuses); a fixed set of codes is compiled once with the
    statement. Only plain codes (letters, digits, underscores) are accepted.
    """
    if not all(v.replace("_", "").isalnum() for v in values):
        raise ValueError(f"not a plain code: {values!r}")
    return column.in_([literal_column(f"'{v}'", String) for v in values])
