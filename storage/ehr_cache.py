"""Set-based reads and writes of cached EHR entities, so a page of events costs a few statements.

An entity's state is a plain dict of its contract fields; collections (`department_ids`,
`requirements`, score `dimensions` and `comments`, ...) live in child tables and are read and
replaced here. Columns the EHR does not own (e.g. `candidate.linked_dingtalk_user_id`) are never
written, because only the fields the caller names are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.ehr_bulk import id_filters, insert_ignore, insert_rows, table_of
from storage.models import (
    ENTITY_MODELS,
    InterviewInterviewer,
    PositionHrOwner,
    Requirement,
    ScoreComment,
    ScoreDimension,
    StaffDepartment,
)


@dataclass(frozen=True)
class ChildSpec:
    """A collection field stored in a child table."""

    table: Table
    parent_column: str
    columns: tuple[str, ...]  # item keys; one column and `scalar` = a list of plain values
    scalar: bool = False
    ordinal: str | None = None


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
    "interview": {
        "interviewer_ids": ChildSpec(
            table_of(InterviewInterviewer), "interview_id", ("staff_id",), scalar=True
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


# Contract fields stored under another column name: a kind's `updated_at` would collide with the
# cache's own column of that name (EhrEntityMixin.updated_at, when the row changed).
FIELD_COLUMNS: dict[str, dict[str, str]] = {"training_progress": {"updated_at": "reported_at"}}


def column_of(kind: str, field_name: str) -> str:
    """The column that holds a contract field of `kind`."""
    return FIELD_COLUMNS.get(kind, {}).get(field_name, field_name)


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


def scalar_fields(kind: str, fields: Iterable[str]) -> list[str]:
    return list(_scalar_fields(kind, tuple(fields)))


@cache
def _scalar_fields(kind: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name in fields if name not in COLLECTIONS.get(kind, {}))


def load_states(
    session: Session, kind: str, ids: Sequence[str], *, fields: Sequence[str]
) -> dict[str, EntityState]:
    """Read the entities with these ids, locking their rows in id order (so that two batches
    locking some of the same rows never deadlock)."""
    table = entity_table(kind)
    names = ["id", "version", "deleted", "extra", *scalar_fields(kind, fields)]
    columns = [table.c[column_of(kind, name)].label(name) for name in names]
    states: dict[str, EntityState] = {}
    for where in id_filters(session, table.c.id, sorted(ids)):
        stmt = select(*columns).where(where).order_by(table.c.id).with_for_update()
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
    for where in id_filters(session, parent, ids):
        stmt = select(parent, *(table.c[c] for c in spec.columns)).where(where)
        for row in session.execute(stmt.order_by(*order)).mappings():
            item = row[spec.columns[0]] if spec.scalar else {c: row[c] for c in spec.columns}
            found.setdefault(row[spec.parent_column], []).append(item)
    return found


def existing_ids(session: Session, kind: str, ids: Iterable[str]) -> set[str]:
    """The ids among `ids` that have a cached row (tombstones included)."""
    table = entity_table(kind)
    wanted = sorted(set(ids))
    found: set[str] = set()
    for where in id_filters(session, table.c.id, wanted):
        found.update(session.execute(select(table.c.id).where(where)).scalars())
    return found


def _rows(kind: str, states: Sequence[EntityState], now: Any) -> list[dict[str, Any]]:
    """The entities' table rows. Every state of a kind has the same fields (the contract's), so
    which of them are columns is worked out once."""
    if not states:
        return []
    names = [(name, column_of(kind, name)) for name in scalar_fields(kind, states[0].fields)]
    return [
        {
            **{column: state.fields[name] for name, column in names},
            "id": state.id,
            "version": state.version,
            "deleted": state.deleted,
            "extra": state.extra,
            "updated_at": now,
        }
        for state in states
    ]


def insert_entities(session: Session, kind: str, states: Sequence[EntityState]) -> set[str]:
    """Insert new entities' rows; return the ids that were really inserted. Their collections
    follow with `insert_children`, later in the same transaction."""
    now = utcnow()
    return set(insert_ignore(session, entity_table(kind), _rows(kind, states, now), key="id"))


def update_entities(session: Session, kind: str, states: Sequence[EntityState]) -> None:
    """Overwrite existing entities with these states and replace their collections."""
    if not states:
        return
    table = entity_table(kind)
    now = utcnow()
    rows = [{f"b_{k}": v for k, v in row.items()} for row in _rows(kind, states, now)]
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
        for where in id_filters(session, parent, ids):
            session.execute(delete(spec.table).where(where))
    insert_children(session, kind, with_fields)


def insert_children(session: Session, kind: str, states: Sequence[EntityState]) -> None:
    """Insert the collections of entities whose rows exist and have no child rows yet."""
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
    for where in id_filters(session, table.c.id, sorted(ids)):
        session.execute(update(table).where(where).values(deleted=True, updated_at=utcnow()))


def list_active_ids(session: Session, kind: str) -> set[str]:
    table = entity_table(kind)
    return set(session.execute(select(table.c.id).where(table.c.deleted.is_(False))).scalars())


def get_links(
    session: Session, kind: str, ids: Iterable[str], columns: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Selected columns of cached entities by id (e.g. an interview's application_id)."""
    table = entity_table(kind)
    found: dict[str, dict[str, Any]] = {}
    for where in id_filters(session, table.c.id, sorted(set(ids))):
        stmt = select(table.c.id, *(table.c[c] for c in columns)).where(where)
        for row in session.execute(stmt).mappings():
            found[row["id"]] = {c: row[c] for c in columns}
    return found
