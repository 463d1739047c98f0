"""Tables of what the backend itself does: deliveries, decisions, flags, reminders, policies,
ended sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow
from storage.sync_models import BigId

DELIVERY_STATES = ("queued", "sent", "throttled", "failed", "undeliverable")
# ding, sms and todo: the rungs of the escalation of an unread message (services/escalation/).
DELIVERY_CHANNELS = ("card", "work_notice", "robot", "ding", "sms", "todo")


class Delivery(Base):
    """One push to one person; `out_track_id` is deterministic per (event, recipient)."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_application_created", "application_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_event.id", ondelete="SET NULL"), index=True
    )
    application_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(48))
    recipient_kind: Mapped[str] = mapped_column(String(16))  # candidate | staff
    recipient_id: Mapped[str] = mapped_column(String(64))
    dingtalk_user_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    # One card per (cause, recipient): a revision is a second push (operation "update") to the
    # same outTrackId, so the card key repeats while each push's dedupe key is unique.
    out_track_id: Mapped[str] = mapped_column(String(128), index=True)
    operation: Mapped[str] = mapped_column(String(16), default="create")  # create | update
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(128))  # work-notice task id
    template: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Decision(Base):
    """An HR (or policy) decision on an application and its write-back to the EHR."""

    __tablename__ = "decision"
    # Two HR deciding at once: both compute the same next sequence, the unique constraint lets
    # exactly one insert win, and the loser is told who decided.
    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))  # advance | reject | hold | withdraw
    actor_staff_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # card | api | policy
    reason: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # pending -> written | conflict | failed
    writeback_state: Mapped[str] = mapped_column(String(16), default="pending")
    writeback_attempts: Mapped[int] = mapped_column(Integer, default=0)
    writeback_error: Mapped[str | None] = mapped_column(Text)
    overrides_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreFlag(Base):
    """HR disputes an AI score; shown in HR views and sent to the EHR as a hold with the note."""

    __tablename__ = "score_flag"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    score_id: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reminder(Base):
    """A reminder keyed by (interview, schedule version, kind): sent at most once."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("interview_id", "schedule_version", "kind"),
        Index("ix_reminder_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    interview_id: Mapped[str] = mapped_column(String(64))
    schedule_version: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    # pending -> sent | superseded | skipped | held (quiet hours)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)
    fired_at: Mapped[datetime | None]


class NoShowAlertState(Base):
    """Arming state of the no-show-rate alert per position and batch."""

    __tablename__ = "no_show_alert_state"

    position_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch: Mapped[str] = mapped_column(String(120), primary_key=True)
    armed: Mapped[bool] = mapped_column(Boolean, default=True)
    last_rate: Mapped[float | None]
    last_alert_at: Mapped[datetime | None]


class ScorePolicy(Base):
    """Score policy for one position, or the global default when `position_id` is empty."""

    __tablename__ = "score_policy"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # "global" or a position id
    version: Mapped[int] = mapped_column(Integer, default=1)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SessionRevocation(Base):
    """A DingTalk user's mini-app sessions issued at or before `revoked_at` are void.

    Keyed by the DingTalk user, not by a candidate or staff row: membership of the organisation
    is DingTalk's fact about the user, and it must end the sessions of staff and of candidates
    whose DingTalk id came from the EHR too (rows the EHR still lists). One row per user, moved
    forward by each revocation; a later login (the user rejoined) is issued after it and valid.
    Tombstones need no row: the session checks read the live candidate and staff rows.
    """

    __tablename__ = "session_revocation"

    dingtalk_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revoked_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(64))
