"""The sync's own records: received events, held events, dead letters, history, outbox, cursor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.ehr_bulk import chunks, insert_ignore, insert_rows, plan_each_statement, table_of
from storage.outbox_dispatch import note_outbox_rows
from storage.sync_models import (
    IS_HELD,
    ChangeHistory,
    DeadLetter,
    EhrEvent,
    OutboxEvent,
    SyncCursor,
)

EVENT_TABLE = table_of(EhrEvent)


def insert_new_events(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Record events not seen before; return the ids that are new (the rest are duplicates)."""
    return {str(i) for i in insert_ignore(session, EVENT_TABLE, rows, key="id")}


def begin_applying(session: Session) -> bool:
    """Whether any event is held (most batches can then skip looking for released ones); on
    PostgreSQL, the same statement sets the transaction to plan each statement (see
    `plan_each_statement`). Sent once per batch, before its entities are read."""
    held = select(EhrEvent.id).where(IS_HELD).exists()
    return bool(session.execute(select(held, *plan_each_statement(session))).scalar())


def set_event_states(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Update state, waiting_for_* and applied_at of events by id."""
    if not rows:
        return
    stmt = (
        update(EVENT_TABLE)
        .where(EVENT_TABLE.c.id == bindparam("b_id"))
        .values(
            state=bindparam("b_state"),
            waiting_for_kind=bindparam("b_waiting_for_kind"),
            waiting_for_id=bindparam("b_waiting_for_id"),
            applied_at=bindparam("b_applied_at"),
        )
    )
    session.connection().execute(stmt, [{f"b_{k}": v for k, v in r.items()} for r in rows])


def list_held_waiting_for(
    session: Session, kind: str, waiting: Sequence[tuple[str, str]]
) -> list[EhrEvent]:
    """Held events of `kind` waiting for any of these (kind, id) entities, oldest first, locked;
    those another transaction has locked (it is releasing them) are skipped."""
    found: list[EhrEvent] = []
    pair = tuple_(EhrEvent.waiting_for_kind, EhrEvent.waiting_for_id)
    for part in chunks(sorted(set(waiting))):
        stmt = select(EhrEvent).where(IS_HELD, EhrEvent.entity_kind == kind, pair.in_(list(part)))
        stmt = stmt.with_for_update(skip_locked=True)
        found.extend(session.execute(stmt.order_by(EhrEvent.received_at)).scalars())
    return found


def list_held(
    session: Session, *, received_before: datetime | None = None, limit: int = 1000
) -> list[EhrEvent]:
    """Held events, oldest first; only those received before `received_before` when given."""
    stmt = select(EhrEvent).where(IS_HELD)
    if received_before is not None:
        stmt = stmt.where(EhrEvent.received_at < received_before)
    return list(session.execute(stmt.order_by(EhrEvent.received_at).limit(limit)).scalars())


def add_dead_letters(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, table_of(DeadLetter), rows)


def list_dead_letters(
    session: Session, *, include_replayed: bool = False, limit: int = 100
) -> list[DeadLetter]:
    stmt = select(DeadLetter)
    if not include_replayed:
        stmt = stmt.where(
            or_(DeadLetter.replayed_at.is_(None), DeadLetter.replay_result != "accepted")
        )
    return list(session.execute(stmt.order_by(DeadLetter.id).limit(limit)).scalars())


def get_dead_letters(session: Session, ids: Sequence[int]) -> list[DeadLetter]:
    stmt = select(DeadLetter).where(DeadLetter.id.in_(ids)).order_by(DeadLetter.id)
    return list(session.execute(stmt.with_for_update()).scalars())


def add_history(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, table_of(ChangeHistory), rows)


def list_history(session: Session, kind: str, entity_id: str) -> list[ChangeHistory]:
    """An entity's history, oldest version first."""
    stmt = select(ChangeHistory).where(
        and_(ChangeHistory.entity_kind == kind, ChangeHistory.entity_id == entity_id)
    )
    return list(session.execute(stmt.order_by(ChangeHistory.version, ChangeHistory.id)).scalars())


def add_outbox_events(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows; a row whose dedupe_key exists is skipped. Return how many were new."""
    new = insert_ignore(session, table_of(OutboxEvent), rows, key=("id", "kind"))
    # Core inserts are not in session.new: hand (id, kind) to the after-commit dispatch.
    if new:
        note_outbox_rows(session, sorted(new))
    return len(new)


def get_cursor(session: Session, name: str) -> SyncCursor | None:
    return session.get(SyncCursor, name)


def save_cursor(session: Session, name: str, cursor: str | None, *, status: str) -> None:
    """Store the feed cursor (upsert); called in the transaction that applied the page."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"name": name, "cursor": cursor, "last_run_status": status, "updated_at": utcnow()}
    stmt = dialect.insert(table_of(SyncCursor)).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["name"],
        set_={"cursor": cursor, "last_run_status": status, "updated_at": values["updated_at"]},
    )
    session.execute(stmt)
    session.expire_all()
