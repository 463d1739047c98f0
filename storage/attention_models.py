"""The backend's own state of people's attention (issue 22): HR's score digests (one card per
HR member, position and window, with the scores it gathers), each member's notification choice,
bulk decisions from a digest card or the H5 ranking, and the cards people opened by a click
(what the escalation of unread messages asks; its rungs are deliveries, in the timeline).

Tables only; services/digests/ owns the logic. None of this is EHR data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow
from storage.sync_models import BigId

HR_SCORE_NOTIFY_MODES = ("each", "digest")
BULK_STATES = ("requested", "running", "done")


class ScoreDigest(Base):
    """One HR member's digest card of one position for one window.

    `next_push_at` is set when the card must be (re)sent: at the window's opening for a score
    that landed in quiet hours, else now, or a minute after the last push so that a batch of
    scores costs a few card updates rather than one per score. NULL: nothing to push.
    """

    __tablename__ = "score_digest"
    __table_args__ = (
        UniqueConstraint("staff_id", "position_id", "window_start"),
        Index("ix_score_digest_next_push_at", "next_push_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    position_id: Mapped[str] = mapped_column(String(64), index=True)
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    out_track_id: Mapped[str] = mapped_column(String(128), unique=True)
    next_push_at: Mapped[datetime | None] = mapped_column()
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    last_pushed_at: Mapped[datetime | None] = mapped_column()
    # The confirmation step of "Advance the N suggested": the application ids shown when the
    # HR member pressed it (empty: not asked), and the bulk decision once confirmed.
    confirm_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    bulk_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreDigestItem(Base):
    """A score a digest gathers (a revision of the same score is the same item, updated)."""

    __tablename__ = "score_digest_item"
    __table_args__ = (UniqueConstraint("digest_id", "score_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    digest_id: Mapped[int] = mapped_column(BigId, index=True)
    score_id: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[str] = mapped_column(String(64), index=True)
    revised: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffNotifySetting(Base):
    """An HR member's own choice of score notifications, over HR_SCORE_NOTIFY."""

    __tablename__ = "staff_notify_setting"

    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    score_notify: Mapped[str] = mapped_column(String(16))  # HR_SCORE_NOTIFY_MODES
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BulkDecision(Base):
    """Decisions on many applications at once; each is recorded like a single one (its own
    idempotency key, race-safe, written back), and the outcome per application is kept."""

    __tablename__ = "bulk_decision"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    actor_staff_id: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # card | api
    application_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    state: Mapped[str] = mapped_column(String(16), default="requested")  # BULK_STATES
    # {"decided": [...], "already": [{"application_id", "by", "decision"}],
    #  "failed": [{"application_id", "reason"}]}
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class CardRead(Base):
    """A person clicked a card: they have read it (DingTalk reports no read status for cards)."""

    __tablename__ = "card_read"

    out_track_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_at: Mapped[datetime] = mapped_column()
