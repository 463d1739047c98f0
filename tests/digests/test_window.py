"""The digest window of a moment, counted inside working hours (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.clock.quiet_hours import WorkingHours
from services.digests.window import digest_window

SH = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours(start=time(9), end=time(21), tz=SH, holidays=True)


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("moment", "start", "end"),
    [
        (_at(7, 9, 0), _at(7, 9, 0), _at(7, 9, 30)),  # a Monday's first window
        (_at(7, 9, 29), _at(7, 9, 0), _at(7, 9, 30)),
        (_at(7, 9, 30), _at(7, 9, 30), _at(7, 10, 0)),  # the edge opens the next window
        (_at(7, 20, 59), _at(7, 20, 30), _at(7, 21, 0)),  # the day's last window
        (_at(7, 21, 0), _at(8, 9, 0), _at(8, 9, 30)),  # the evening joins the next morning
        (_at(8, 3, 0), _at(8, 9, 0), _at(8, 9, 30)),  # so does the night
        (_at(12, 10, 0), _at(14, 9, 0), _at(14, 9, 30)),  # Saturday: Monday's first window
        # National Day 2026 (a holiday week) waits for the first working day after it.
        (_at(1, 10, 0, month=10), _at(8, 9, 0, month=10), _at(8, 9, 30, month=10)),
    ],
)
def test_the_window_of_a_moment(moment: datetime, start: datetime, end: datetime) -> None:
    assert digest_window(moment, HOURS, 30) == (start.astimezone(UTC), end.astimezone(UTC))


def test_a_window_longer_than_the_rest_of_the_day_ends_with_the_working_day() -> None:
    assert digest_window(_at(7, 20, 0), HOURS, 120) == (
        _at(7, 19, 0).astimezone(UTC),
        _at(7, 21, 0).astimezone(UTC),
    )


def test_a_whole_day_of_working_hours_has_windows_around_the_clock() -> None:
    always = WorkingHours(start=time(0), end=time(0), tz=SH, holidays=False, end_of_day=True)
    assert digest_window(_at(12, 23, 50), always, 30) == (
        _at(12, 23, 30).astimezone(UTC),
        _at(13, 0, 0).astimezone(UTC),
    )
