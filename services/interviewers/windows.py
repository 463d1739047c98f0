"""The last working minute before a moment: where a briefing moves when its time is quiet.

The mirror of services/clock/quiet_hours.py's `next_window_open`, kept here because only the
interviewers' clock moves things earlier.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from services.clock.quiet_hours import MAX_DAYS_AHEAD, WorkingHours, is_day_off, is_quiet

LAST_MINUTE = timedelta(minutes=1)  # the window's end is exclusive


def _window_close(day: date, hours: WorkingHours) -> datetime:
    if hours.end_of_day:
        return datetime.combine(day, time(0), tzinfo=hours.tz) + timedelta(days=1) - LAST_MINUTE
    return datetime.combine(day, hours.end, tzinfo=hours.tz) - LAST_MINUTE


def last_working_minute(moment: datetime, hours: WorkingHours) -> datetime | None:
    """`moment` itself when not quiet, else the last working minute before it (None: none
    within the calendar's reach)."""
    if not is_quiet(moment, hours):
        return moment
    local = moment.astimezone(hours.tz)
    day = local.date()
    # Past today's window on a working day: today's close; otherwise an earlier day's.
    if is_day_off(day, hours) or local.time() < hours.start:
        day -= timedelta(days=1)
    for _ in range(MAX_DAYS_AHEAD):
        if not is_day_off(day, hours):
            return _window_close(day, hours)
        day -= timedelta(days=1)
    return None
