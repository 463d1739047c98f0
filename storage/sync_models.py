"""Tables of the EHR sync: received events, dead letters, history, cursors and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from storage import vocabulary
from storage.base import Base, JSONType, utcnow

# BIGINT on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY autoincrements).
BigId = BigInteger().with_variant(Integer(), "sqlite")

EVENT_SOURCES = ("push", "pull", "local")
# applied: written to the cache; stale: version not newer; held: waiting for a parent entity.
EVENT_STATES = ("applied", "stale", "held")


class EhrEvent(Base):
    """Every accepted EHR event, durable before the webhook answers; the dedupe key is `id`."""

    __tablename__ = "ehr_event"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    entity_kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(8))
    waiting_for_kind: Mapped[str | None] = mapped_column(String(32))
    waiting_for_id: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)


# `state = 'held'` written out, not bound: only then can PostgreSQL use the partial indexes below
# in a plan prepared for any parameters (the driver prepares statements it sends often).
IS_HELD = EhrEvent.state == literal_column("'held'")
# Only held events are ever looked up by state or by what they wait for, and they are few:
# partial indexes keep the other events (almost all) out of two indexes every insert updated.
Index(
    "ix_ehr_event_held_received_at",
    EhrEvent.received_at,
    postgresql_where=IS_HELD,
    sqlite_where=IS_HELD,
)
Index(
    "ix_ehr_event_held_waiting",
    EhrEvent.waiting_for_kind,
    EhrEvent.waiting_for_id,
    postgresql_where=IS_HELD,
    sqlite_where=IS_HELD,
)


class DeadLetter(Base):
    """An event that failed validation, kept raw with the reason for inspection and replay."""

    __tablename__ = "dead_letter"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[Any] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    replayed_at: Mapped[datetime | None]
    replay_result: Mapped[str | None] = mapped_column(Text)


class ChangeHistory(Base):
    """One applied change: what changed, from which event, with before and after values."""

    __tablename__ = "change_history"
    __table_args__ = (Index("ix_change_history_entity", "entity_kind", "entity_id", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    entity_kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str | None] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(8))
    operation: Mapped[str] = mapped_column(String(16))  # created | updated | deleted
    received_at: Mapped[datetime]
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    # {field: {"before": ..., "after": ...}} of an update or a delete; empty for a creation, whose
    # values are all in `data` (see `field_changes`) and for a stale event.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The whole `data` as the EHR sent it (for the backend's own changes: the reason and details).
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)

    def field_changes(self) -> dict[str, dict[str, Any]]:
        """{field: {"before", "after"}} of this change. A creation stores its values once, in
        `data`, as the EHR sent them: every field that has a value went from nothing to it
        (the id and the version are the record's own)."""
        if self.operation == "created" and not self.changes:
            return {
                name: {"before": None, "after": value}
                for name, value in sorted((self.data or {}).items())
                if name not in ("id", "version") and value is not None
            }
        return dict(self.changes or {})


class SyncCursor(Base):
    """The change-feed cursor, stored only after the page it ends is durable."""

    __tablename__ = "sync_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(256))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_run_status: Mapped[str | None] = mapped_column(Text)


# Defined in storage.vocabulary; kept here for its importers.
OUTBOX_KINDS = vocabulary.OUTBOX_KINDS


class OutboxEvent(Base):
    """A domain event written in the transaction that caused it; delivered by jobs after commit."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index("ix_outbox_event_state_created_at", "state", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(48))
    entity_kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    entity_version: Mapped[int | None] = mapped_column(Integer)
    # Unique so a replayed cause can never write a second row.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # pending -> dispatched (job enqueued) -> done | failed
    state: Mapped[str] = mapped_column(String(16), default="pending")
    dispatched_at: Mapped[datetime | None]
    job_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
