"""The backend's own state of the rounds after the AI interview (issue 18): calendar events,
the candidate's answers, HR's scheduling requests, and the interview questions per dimension.

Tables only; the services of the rounds own the logic. None of these is EHR data: the EHR knows
the rounds themselves (`interview`, `feedback` in storage/models.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow
from storage.sync_models import BigId

CALENDAR_EVENT_STATES = ("active", "cancelled")
ROUND_RESPONSES = ("confirmed", "reschedule_requested")
ROUND_REQUEST_STATES = ("pending", "done", "failed")


class RoundCalendarEvent(Base):
    """The DingTalk calendar event of a round: one per interview, kept to update or cancel it."""

    __tablename__ = "round_calendar_event"

    interview_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organizer_user_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(128))
    attendee_user_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # The round's time and place the event was last written for: a change is a reschedule.
    schedule_version: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="active")  # CALENDAR_EVENT_STATES
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RoundResponse(Base):
    """The candidate's answer to a scheduled round; one of each per schedule (a repeated click
    is the same row)."""

    __tablename__ = "round_response"
    __table_args__ = (UniqueConstraint("interview_id", "schedule_version", "response"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    interview_id: Mapped[str] = mapped_column(String(64), index=True)
    schedule_version: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(String(24))  # ROUND_RESPONSES
    note: Mapped[str | None] = mapped_column(Text)
    candidate_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoundRequest(Base):
    """HR's request to schedule a round from DingTalk, by its idempotency key: a double submit
    finds the first one and its answer."""

    __tablename__ = "round_request"

    idempotency_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(64))
    actor_staff_id: Mapped[str] = mapped_column(String(64))
    interview_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # ROUND_REQUEST_STATES
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DimensionQuestions(Base):
    """What an interviewer should probe when a candidate is weak on an AI dimension (admin-kept)."""

    __tablename__ = "dimension_questions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
