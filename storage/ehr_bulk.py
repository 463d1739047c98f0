"""Bulk statements of the EHR sync: id lookups and multi-row inserts in few round trips.

PostgreSQL gets a fast path: ids travel as one array parameter (`= ANY(%s)`) instead of an IN list
of a thousand placeholders; plain inserts go by COPY; inserts that must skip conflicts (and say
which rows were new) go as one array per column zipped by `unnest`. JSON is encoded once per value
by the C encoder and parsed by the server. Every other database (SQLite, the embedded default)
takes the generic SQLAlchemy Core path with the same results.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Table, any_, bindparam, func, insert, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.base import encode_json

# Keep IN lists and multi-row statements well below driver parameter limits.
CHUNK = 1000
# An array parameter is one placeholder whatever its length; this only bounds a statement's size.
PG_CHUNK = 10_000

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def table_of(model: Any) -> Table:
    return cast(Table, model.__table__)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def plan_each_statement(session: Session) -> list[ColumnElement[Any]]:
    """What to SELECT to make PostgreSQL plan the rest of the transaction's statements for their
    actual parameters; selected in a statement the caller sends anyway, it costs no round trip.

    The driver prepares repeated statements, and PostgreSQL may then keep one generic plan. A
    lookup of a page's ids first planned while a table was nearly empty would keep scanning the
    whole table as it grows (measured: 4 ms a page at first, 80 ms at 25k candidates); planning
    each time costs far less than that. (`set_config(..., true)` is `SET LOCAL`.)
    """
    if is_postgresql(session):
        return [func.set_config("plan_cache_mode", "force_custom_plan", true())]
    return []


def id_filters(
    session: Session, column: ColumnElement[Any], ids: Sequence[str]
) -> Iterator[ColumnElement[bool]]:
    """WHERE clauses that together select `column` in `ids`, one statement's worth each."""
    if is_postgresql(session):
        for part in chunks(ids, PG_CHUNK):
            array = bindparam("ids", list(part), type_=postgresql.ARRAY(String), unique=True)
            yield column == any_(array)
        return
    for part in chunks(ids):
        yield column.in_(part)


@cache
def _defaults(table: Table) -> dict[str, Any]:
    return {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.default is not None and not c.primary_key
    }


def _missing_defaults(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Core's client-side defaults of the columns `row` leaves out, evaluated once and ready to
    send (JSON ones encoded): a batch of rows written in one statement gets one value of a
    callable default (a timestamp), and the rows are not copied to add them."""
    defaults = {}
    for name, default in _defaults(table).items():
        if name not in row:
            value = default(None) if callable(default) else default
            encoded = _is_json(table, name) and value is not None
            defaults[name] = encode_json(value) if encoded else value
    return defaults


@cache
def _is_json(table: Table, name: str) -> bool:
    return "JSON" in table.c[name].type.compile(dialect=_PG)


@cache
def _pg_insert_sql(
    table: Table, names: tuple[str, ...], constant: tuple[bool, ...], suffix: str
) -> tuple[str, tuple[int, ...]]:
    arrays, selected = [], []
    for n, name in enumerate(names):
        column_type = table.c[name].type.compile(dialect=_PG)
        is_json = _is_json(table, name)  # sent as encoded text, parsed once by the server
        sent_as = "text" if is_json else column_type
        if constant[n]:  # the same value in every row: one parameter, not an array
            selected.append(f"%b::{sent_as}::{column_type}" if is_json else f"%b::{sent_as}")
        else:
            arrays.append(f"%b::{sent_as}[]")
            selected.append(f"u{n}::{column_type}" if is_json else f"u{n}")
    # Parameters follow the text: the SELECT list's constants first, then the unnest arrays.
    order = [n for n in range(len(names)) if constant[n]] + [
        n for n in range(len(names)) if not constant[n]
    ]
    aliases = ", ".join(f"u{n}" for n in range(len(names)) if not constant[n])
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = (
        f'INSERT INTO "{table.name}" ({quoted}) SELECT {", ".join(selected)} '  # noqa: S608  (names come from our own Table objects)
        f"FROM unnest({', '.join(arrays)}) AS u({aliases}) {suffix}"
    )
    return sql, tuple(order)


def _pg_unnest(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    suffix: str,
    defaults: dict[str, Any],
) -> list[Any]:
    # One statement with one array per column: PostgreSQL zips them with unnest. This keeps the
    # statement small and constant, instead of a multi-row VALUES list with thousands of
    # placeholders that the driver would have to parse for every page. A column with the same
    # value in every row (a page's received_at, source, state, a default...) goes as one scalar
    # parameter.
    names = tuple(rows[0])
    columns = []
    for name in names:
        values = [r[name] for r in rows]
        if _is_json(table, name):  # compared as text too: in Python, {"a": 1} == {"a": True}
            values = [None if v is None else encode_json(v) for v in values]
        columns.append(values)
    # At least one array is needed for unnest to give the row count.
    constant = tuple(
        n > 0 and len(rows) > 1 and values.count(values[0]) == len(values)
        for n, values in enumerate(columns)
    )
    for name, value in defaults.items():
        names += (name,)
        columns.append([value])
        constant += (True,)
    sql, order = _pg_insert_sql(table, names, constant, suffix)
    params = [columns[n][0] if constant[n] else columns[n] for n in order]
    # The driver's own cursor in binary mode: text-format arrays are escaped element by element.
    driver = session.connection().connection.driver_connection
    with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def _pg_copy(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], defaults: dict[str, Any]
) -> None:
    # COPY is PostgreSQL's cheapest way in, and the driver formats its rows in C.
    names = tuple(rows[0])
    json_at = [n for n, name in enumerate(names) if _is_json(table, name)]
    fixed = list(defaults.values())
    quoted = ", ".join(f'"{n}"' for n in (*names, *defaults))
    driver = session.connection().connection.driver_connection
    with (
        driver.cursor() as cursor,  # type: ignore[union-attr]
        cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy,
    ):
        for row in rows:
            values = [row[name] for name in names]
            for n in json_at:
                if values[n] is not None:
                    values[n] = encode_json(values[n])
            copy.write_row(values + fixed if fixed else values)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows (all with the same keys) in as few statements as the database allows."""
    if not rows:
        return
    if is_postgresql(session):
        _pg_copy(session, table, rows, _missing_defaults(table, rows[0]))
        return
    for part in chunks(rows):
        session.execute(insert(table), list(part))


def insert_ignore(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *, key: str | Sequence[str]
) -> list[Any]:
    """INSERT ... ON CONFLICT DO NOTHING; return the `key` values of the rows actually inserted.

    A conflicting row inserted by a concurrent transaction makes PostgreSQL wait for that
    transaction, so a lost race is reported here rather than failing the whole batch.
    """
    if not rows:
        return []
    keys = [key] if isinstance(key, str) else list(key)
    single = isinstance(key, str)
    if is_postgresql(session):
        returning = ", ".join(f'"{k}"' for k in keys)
        found: list[Any] = []
        defaults = _missing_defaults(table, rows[0])
        suffix = f"ON CONFLICT DO NOTHING RETURNING {returning}"
        for part in chunks(rows, PG_CHUNK):
            got = _pg_unnest(session, table, part, suffix, defaults)
            found.extend(r[0] if single else tuple(r) for r in got)
        return found
    stmt = sqlite.insert(table).on_conflict_do_nothing().returning(*(table.c[k] for k in keys))
    inserted: list[Any] = []
    for part in chunks(rows):
        for r in session.execute(stmt, list(part)).all():
            inserted.append(r[0] if single else tuple(r))
    return inserted
