"""The digest window a moment belongs to, counted inside working hours.

Windows of HR_DIGEST_WINDOW_MINUTES start at the working day's start (09:00, 09:30, ...); the
last one of a day ends with the working window. A moment in quiet hours (night, weekend,
holiday) belongs to the first window of the next working period, so the scores of a night
reach HR as one card when the day starts. Pure functions of their arguments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.clock.quiet_hours import WorkingHours, next_window_open


def _day_end(start_of_day: datetime, hours: WorkingHours) -> datetime:
    if hours.end_of_day:
        return start_of_day.replace(hour=0, minute=0) + timedelta(days=1)
    return start_of_day.replace(hour=hours.end.hour, minute=hours.end.minute)


def digest_window(moment: datetime, hours: WorkingHours, minutes: int) -> tuple[datetime, datetime]:
    """(start, end) in UTC of the window `moment` belongs to; end is exclusive."""
    local = next_window_open(moment, hours).astimezone(hours.tz)
    day_start = local.replace(
        hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0
    )
    size = timedelta(minutes=minutes)
    start = day_start + size * ((local - day_start) // size)
    end = min(start + size, _day_end(day_start, hours))
    return start.astimezone(UTC), end.astimezone(UTC)
