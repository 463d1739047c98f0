"""Quiet hours: when a non-urgent push must wait, and when the working window opens again.

Pure functions of `now`. Quiet means outside the daily working window (default 09:00-21:00 in
Asia/Shanghai) or, when enabled, on a day chinese-calendar calls a holiday. `is_holiday` counts
weekends too, except the Saturdays and Sundays that are adjusted working days (调休), which is
what "working hours" means in China; a year the installed calendar does not know falls back to
plain weekends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from config import Settings

MAX_DAYS_AHEAD = 40  # longer than any Chinese holiday run (Spring Festival with weekends)


@dataclass(frozen=True)
class WorkingHours:
    start: time
    end: time  # exclusive; time(0) with end_of_day means 24:00
    tz: ZoneInfo
    holidays: bool = True
    end_of_day: bool = False


def _parse(value: str) -> tuple[time, bool]:
    hours, minutes = (int(part) for part in value.split(":"))
    if hours == 24:
        return time(0), True
    return time(hours, minutes), False


def working_hours_from_settings(settings: Settings) -> WorkingHours:
    """Read the working window once from settings."""
    start, _ = _parse(settings.WORKING_HOURS_START)
    end, end_of_day = _parse(settings.WORKING_HOURS_END)
    return WorkingHours(
        start=start,
        end=end,
        tz=ZoneInfo(settings.WORKING_TIMEZONE),
        holidays=settings.QUIET_ON_HOLIDAYS,
        end_of_day=end_of_day,
    )


def is_day_off(day: date, hours: WorkingHours) -> bool:
    """True on a Chinese public holiday or weekend that is not an adjusted working day."""
    if not hours.holidays:
        return False
    try:
        return bool(chinese_calendar.is_holiday(day))
    except NotImplementedError:  # a year the installed calendar does not cover
        return day.weekday() >= 5


def _in_window(moment: time, hours: WorkingHours) -> bool:
    if hours.end_of_day:
        return moment >= hours.start
    return hours.start <= moment < hours.end


def is_quiet(now: datetime, hours: WorkingHours) -> bool:
    """True when a non-urgent push must be held at `now`."""
    local = now.astimezone(hours.tz)
    return is_day_off(local.date(), hours) or not _in_window(local.time(), hours)


def next_window_open(now: datetime, hours: WorkingHours) -> datetime:
    """`now` itself when not quiet, else the start of the next working window (tz-aware)."""
    if not is_quiet(now, hours):
        return now
    local = now.astimezone(hours.tz)
    day = local.date()
    if local.time() >= hours.start:
        day += timedelta(days=1)
    for _ in range(MAX_DAYS_AHEAD):
        if not is_day_off(day, hours):
            return datetime.combine(day, hours.start, tzinfo=hours.tz)
        day += timedelta(days=1)
    return datetime.combine(day, hours.start, tzinfo=hours.tz)
