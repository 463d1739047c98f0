"""Settings of the clock: reminders, quiet hours, no-show alerts, score policies."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class ClockSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # Candidate reminder when an AI-interview invitation is still unopened this long after it
    # was sent (practice: half a day).
    REMINDER_INVITE_UNOPENED_HOURS: float = Field(default=12.0, gt=0, le=24 * 30)
    # HR follow-up card when the candidate has not attended this long after the invitation
    # (or earlier, when the deadline passes first).
    REMINDER_NOT_ATTENDED_HOURS: float = Field(default=24.0, gt=0, le=24 * 30)
    # Candidate reminder this long before the deadline; such a reminder is urgent (never held).
    REMINDER_DEADLINE_SOON_HOURS: float = Field(default=2.0, gt=0, le=72)
    # A reminder whose time passed longer ago than this is stale and no longer sent (bounds the
    # sweep's index range scans, and keeps a scheduler outage from flooding people).
    REMINDER_LOOKBACK_HOURS: float = Field(default=48.0, gt=0, le=24 * 30)
    # Non-urgent pushes wait for the working window (local time of WORKING_TIMEZONE).
    WORKING_HOURS_START: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    WORKING_HOURS_END: str = Field(default="21:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
    WORKING_TIMEZONE: str = "Asia/Shanghai"
    # Also hold on Chinese public holidays and weekends (chinese-calendar's is_holiday, which
    # honours the adjusted working Saturdays and Sundays).
    QUIET_ON_HOLIDAYS: bool = True
    # No-show alert per position and batch: at least this many invitations past their deadline,
    # and a no-show rate strictly above the threshold.
    NO_SHOW_MIN_INVITATIONS: int = Field(default=10, ge=1)
    NO_SHOW_RATE_THRESHOLD: float = Field(default=0.10, ge=0, le=1)
    # Global score-policy default: a dimension below its minimum rejects at once (True) or is
    # only suggested to HR (False). A stored policy overrides it.
    POLICY_AUTO_REJECT: bool = False
