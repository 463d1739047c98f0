"""Request and response models of HR's round scheduling (issue 18): new, moved, cancelled
rounds, the interviewer options and their busy times."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, ConfigDict, Field

from miniapp_api.schemas import Model

StaffId = Field(min_length=1, max_length=64)


class ScheduleRoundRequest(Model):
    round: int = Field(ge=1, le=1000)
    kind: Literal["video", "onsite"]
    scheduled_at: AwareDatetime
    duration_minutes: int = Field(ge=5, le=480)
    interviewer_ids: list[str] = Field(min_length=1, max_length=10)
    location: str | None = Field(default=None, min_length=1, max_length=500)
    meeting_url: str | None = Field(
        default=None, min_length=1, max_length=2000, pattern=r"^https?://\S+$"
    )
    idempotency_key: str = Field(min_length=1, max_length=100, description="same key, one round")


class RescheduleRequest(Model):
    scheduled_at: AwareDatetime
    duration_minutes: int | None = Field(default=None, ge=5, le=480)
    location: str | None = Field(default=None, min_length=1, max_length=500)
    meeting_url: str | None = Field(
        default=None, min_length=1, max_length=2000, pattern=r"^https?://\S+$"
    )
    reason: str | None = Field(default=None, max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=100)


class CancelRequest(Model):
    reason: str = Field(min_length=1, max_length=500)
    idempotency_key: str = Field(min_length=1, max_length=100)


class RoundOut(Model):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    application_id: str
    round: int
    kind: str
    status: str
    scheduled_at: datetime | None = None
    duration_minutes: int | None = None
    interviewer_ids: list[str] = Field(default_factory=list)
    location: str | None = None
    meeting_url: str | None = None
    cancel_reason: str | None = None


class InterviewerOptionOut(Model):
    staff_id: str
    name: str
    role: str
    in_department: bool
    has_calendar: bool


class InterviewerOptions(Model):
    items: list[InterviewerOptionOut]


class OptionsQuery(Model):
    model_config = ConfigDict(extra="ignore")

    q: str | None = Field(default=None, max_length=50)


class BusyQuery(Model):
    model_config = ConfigDict(extra="ignore")

    staff_ids: str = Field(min_length=1, max_length=1400, description="comma-separated staff ids")
    start: AwareDatetime
    end: AwareDatetime


class BusySpan(Model):
    start: datetime
    end: datetime


class StaffBusy(Model):
    staff_id: str
    calendar: bool  # False: no DingTalk user, nothing to show
    busy: list[BusySpan]


class BusyOut(Model):
    items: list[StaffBusy]
