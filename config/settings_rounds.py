"""Settings of the rounds after the AI interview: scheduling, interviewers' briefing, feedback."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class RoundsSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # Each interviewer's briefing card this long before the round (moved into working hours
    # when the round allows it: never after the round's start).
    INTERVIEWER_BRIEFING_HOURS: float = Field(default=2.0, gt=0, le=24 * 7)
    # One reminder to an interviewer who has not given feedback this long after the round's
    # end (working hours count).
    FEEDBACK_REMINDER_HOURS: float = Field(default=24.0, gt=0, le=24 * 30)
