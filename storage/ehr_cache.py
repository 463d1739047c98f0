"""Set-based reads and writes of cached EHR entities, so a page of events costs a few statements.

An entity's state is a plain dict of its contract fields; collections (`department_ids`,
`requirements`, score `dimensions` and `comments`, ...) live in child tables and are read and
replaced here. Columns the EHR does not own (e.g. `candidate.linked_dingtalk_user_id`) are never
written, because only the fields the caller names are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.models import (
    ENTITY_MODELS,
    PositionHrOwner,
    Requirement,
    ScoreComment,
    ScoreDimension,
    StaffDepartment,
)

# Keep IN lists and multi-row statements well below driver parameter limits.
CHUNK = 1000
_BOOKKEEPING = ("id", "version", "deleted", "extra")


@dataclass(frozen=True)
class ChildSpec:
    """A collection field stored in a child table."""

    table: Table
    parent_column: str
    columns: tuple[str, ...]  # item keys; one column and `scalar` = a list of plain values
    scalar: bool = False
    ordinal: str | None = None


def table_of(model: Any) -> Table:
    return cast(Table, model.__table__)


COLLECTIONS: dict[str, dict[str, ChildSpec]] = {
    "staff": {
        "department_ids": ChildSpec(
            table_of(StaffDepartment), "staff_id", ("department_id",), scalar=True
        )
    },
    "position": {
        "hr_owner_ids": ChildSpec(table_of(PositionHrOwner), "position_id", ("staff_id",), True)
    },
    "application": {
        "requirements": ChildSpec(
            table_of(Requirement), "application_id", ("key", "label", "status"), ordinal="ordinal"
        )
    },
    "score": {
        "dimensions": ChildSpec(
            table_of(ScoreDimension),
            "score_id",
            ("key", "label", "score", "max_score", "weight"),
            ordinal="ordinal",
        ),
        "comments": ChildSpec(
            table_of(ScoreComment), "score_id", ("author", "text"), ordinal="ordinal"
        ),
    },
}


@dataclass
class EntityState:
    """One cached entity as the sync sees it."""

    id: str
    version: int
    deleted: bool
    fields: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def entity_table(kind: str) -> Table:
    return table_of(ENTITY_MODELS[kind])


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def scalar_fields(kind: str, fields: Iterable[str]) -> list[str]:
    return [name for name in fields if name not in COLLECTIONS.get(kind, {})]


def load_states(
    session: Session, kind: str, ids: Sequence[str], *, fields: Sequence[str], lock: bool
) -> dict[str, EntityState]:
    """Read the entities with these ids (locking their rows, in id order, when `lock`)."""
    table = entity_table(kind)
    names = ["id", "version", "deleted", "extra", *scalar_fields(kind, fields)]
    columns = [table.c[name] for name in names]
    states: dict[str, EntityState] = {}
    for part in chunks(sorted(ids)):
        stmt = select(*columns).where(table.c.id.in_(part)).order_by(table.c.id)
        if lock:
            stmt = stmt.with_for_update()
        for row in session.execute(stmt).mappings():
            values = {
                k: v for k, v in row.items() if k not in ("id", "version", "deleted", "extra")
            }
            states[row["id"]] = EntityState(
                row["id"], row["version"], row["deleted"], values, dict(row["extra"] or {})
            )
    if states:
        for name, spec in COLLECTIONS.get(kind, {}).items():
            if name in fields:
                for parent_id, items in _load_children(session, spec, list(states)).items():
                    states[parent_id].fields[name] = items
            for state in states.values():
                state.fields.setdefault(name, [])
    return states


def _load_children(session: Session, spec: ChildSpec, ids: list[str]) -> dict[str, list[Any]]:
    table = spec.table
    parent = table.c[spec.parent_column]
    order = [parent, table.c[spec.ordinal]] if spec.ordinal else [parent, table.c[spec.columns[0]]]
    found: dict[str, list[Any]] = {}
    for part in chunks(ids):
        stmt = select(parent, *(table.c[c] for c in spec.columns)).where(parent.in_(part))
        for row in session.execute(stmt.order_by(*order)).mappings():
            item = row[spec.columns[0]] if spec.scalar else {c: row[c] for c in spec.columns}
            found.setdefault(row[spec.parent_column], []).append(item)
    return found


def existing_ids(session: Session, kind: str, ids: Iterable[str]) -> set[str]:
    """The ids among `ids` that have a cached row (tombstones included)."""
    table = entity_table(kind)
    wanted = sorted(set(ids))
    found: set[str] = set()
    for part in chunks(wanted):
        found.update(session.execute(select(table.c.id).where(table.c.id.in_(part))).scalars())
    return found


def _pg_unnest(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], suffix: str
) -> list[Any]:
    # One statement with one array per column: PostgreSQL zips them with unnest. This keeps the
    # statement small and constant, instead of a multi-row VALUES list with thousands of
    # placeholders that the driver would have to parse for every page.
    from psycopg.types.json import Jsonb

    pg = session.get_bind().dialect
    names = list(rows[0])
    casts = []
    for name in names:
        column_type = table.c[name].type
        casts.append(f"%b::{column_type.compile(dialect=pg)}[]")
    json_columns = {n for n in names if "JSON" in casts[names.index(n)]}
    params = tuple(
        [Jsonb(r[n]) if n in json_columns and r[n] is not None else r[n] for r in rows]
        for n in names
    )
    quoted = ", ".join(f'"{n}"' for n in names)
    sql = f'INSERT INTO "{table.name}" ({quoted}) SELECT * FROM unnest({", ".join(casts)}) {suffix}'  # noqa: S608  (names come from our own Table objects)
    # The driver's own cursor in binary mode: text-format arrays are escaped element by element.
    driver = session.connection().connection.driver_connection
    with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


def _fill_defaults(table: Table, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    defaults = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.default is not None and c.name not in rows[0] and not c.primary_key
    }
    filled = []
    for row in rows:
        extra = {k: (v(None) if callable(v) else v) for k, v in defaults.items()}
        filled.append({**row, **extra})
    return filled


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in as few statements as the database allows."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        for part in chunks(_fill_defaults(table, rows), 5000):
            _pg_unnest(session, table, part, "")
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
    if session.get_bind().dialect.name == "postgresql":
        returning = ", ".join(f'"{k}"' for k in keys)
        found: list[Any] = []
        for part in chunks(_fill_defaults(table, rows), 5000):
            got = _pg_unnest(session, table, part, f"ON CONFLICT DO NOTHING RETURNING {returning}")
            found.extend(r[0] if single else tuple(r) for r in got)
        return found
    stmt = sqlite.insert(table).on_conflict_do_nothing().returning(*(table.c[k] for k in keys))
    inserted: list[Any] = []
    for part in chunks(rows):
        for r in session.execute(stmt, list(part)).all():
            inserted.append(r[0] if single else tuple(r))
    return inserted


def _row(kind: str, state: EntityState, now: Any) -> dict[str, Any]:
    values = {name: state.fields[name] for name in scalar_fields(kind, state.fields)}
    return {
        **values,
        "id": state.id,
        "version": state.version,
        "deleted": state.deleted,
        "extra": state.extra,
        "updated_at": now,
    }


def insert_entities(session: Session, kind: str, states: Sequence[EntityState]) -> set[str]:
    """Insert new entities and their collections; return the ids that were really inserted."""
    now = utcnow()
    inserted = set(
        insert_ignore(session, entity_table(kind), [_row(kind, s, now) for s in states], key="id")
    )
    _insert_children(session, kind, [s for s in states if s.id in inserted])
    return inserted


def update_entities(session: Session, kind: str, states: Sequence[EntityState]) -> None:
    """Overwrite existing entities with these states and replace their collections."""
    if not states:
        return
    table = entity_table(kind)
    now = utcnow()
    rows = [{f"b_{k}": v for k, v in _row(kind, s, now).items()} for s in states]
    names = [k[2:] for k in rows[0] if k != "b_id"]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in names})
    )
    session.connection().execute(stmt, rows)
    with_fields = [s for s in states if s.fields]
    ids = [s.id for s in with_fields]
    for spec in COLLECTIONS.get(kind, {}).values():
        parent = spec.table.c[spec.parent_column]
        for part in chunks(ids):
            session.execute(delete(spec.table).where(parent.in_(part)))
    _insert_children(session, kind, with_fields)


def _insert_children(session: Session, kind: str, states: Sequence[EntityState]) -> None:
    for name, spec in COLLECTIONS.get(kind, {}).items():
        rows: list[dict[str, Any]] = []
        for state in states:
            for ordinal, item in enumerate(state.fields.get(name) or []):
                row = {spec.columns[0]: item} if spec.scalar else {c: item[c] for c in spec.columns}
                row[spec.parent_column] = state.id
                if spec.ordinal:
                    row[spec.ordinal] = ordinal
                rows.append(row)
        insert_rows(session, spec.table, rows)


def mark_tombstones(session: Session, kind: str, ids: Sequence[str]) -> None:
    """Hide entities without changing their version (a reconciliation, not an EHR event)."""
    table = entity_table(kind)
    for part in chunks(sorted(ids)):
        session.execute(
            update(table).where(table.c.id.in_(part)).values(deleted=True, updated_at=utcnow())
        )


def count_active(session: Session, kind: str) -> int:
    table = entity_table(kind)
    stmt = select(func.count()).select_from(table).where(table.c.deleted.is_(False))
    return int(session.execute(stmt).scalar_one())


def list_active_ids(session: Session, kind: str) -> set[str]:
    table = entity_table(kind)
    return set(session.execute(select(table.c.id).where(table.c.deleted.is_(False))).scalars())


def get_links(
    session: Session, kind: str, ids: Iterable[str], columns: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Selected columns of cached entities by id (e.g. an interview's application_id)."""
    table = entity_table(kind)
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(set(ids))):
        stmt = select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id.in_(part))
        for row in session.execute(stmt).mappings():
            found[row["id"]] = {c: row[c] for c in columns}
    return found
