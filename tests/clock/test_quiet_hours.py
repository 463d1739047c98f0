"""Quiet hours are pure functions of `now`: the working window, weekends and Chinese holidays."""

from __future__ import annotations

from datetime import datetime

import pytest

from config import Settings
from services.clock.quiet_hours import is_quiet, next_window_open, working_hours_from_settings
from tests.clock.conftest import CN
from tests.conftest import make_test_settings


def _hours(settings: Settings, **overrides: object):  # type: ignore[no-untyped-def]
    if overrides:
        settings = make_test_settings("sqlite://", "redis://x", **overrides)
    return working_hours_from_settings(settings)


@pytest.mark.parametrize(
    ("local", "quiet", "opens"),
    [
        # Wednesday: inside the window, before it, at its end, after it.
        (datetime(2026, 11, 18, 10, 0), False, datetime(2026, 11, 18, 10, 0)),
        (datetime(2026, 11, 18, 8, 59), True, datetime(2026, 11, 18, 9, 0)),
        (datetime(2026, 11, 18, 21, 0), True, datetime(2026, 11, 19, 9, 0)),
        (datetime(2026, 11, 18, 23, 30), True, datetime(2026, 11, 19, 9, 0)),
        # Friday night waits for Monday; a Saturday is a day off.
        (datetime(2026, 11, 20, 22, 0), True, datetime(2026, 11, 23, 9, 0)),
        (datetime(2026, 11, 21, 12, 0), True, datetime(2026, 11, 23, 9, 0)),
        # National Day golden week: held until the adjusted working Saturday 10 October.
        (datetime(2026, 10, 1, 12, 0), True, datetime(2026, 10, 8, 9, 0)),
        (datetime(2026, 10, 10, 12, 0), False, datetime(2026, 10, 10, 12, 0)),
    ],
)
def test_working_window_weekends_and_holidays(
    settings: Settings, local: datetime, quiet: bool, opens: datetime
) -> None:
    hours = _hours(settings)
    now = local.replace(tzinfo=CN)
    assert is_quiet(now, hours) is quiet
    assert next_window_open(now, hours) == opens.replace(tzinfo=CN)


def test_holidays_can_be_ignored_and_the_window_configured(settings: Settings) -> None:
    hours = _hours(
        settings, QUIET_ON_HOLIDAYS=False, WORKING_HOURS_START="08:00", WORKING_HOURS_END="22:00"
    )
    saturday = datetime(2026, 11, 21, 21, 30, tzinfo=CN)
    assert not is_quiet(saturday, hours)
    assert next_window_open(datetime(2026, 11, 21, 22, 0, tzinfo=CN), hours) == datetime(
        2026, 11, 22, 8, 0, tzinfo=CN
    )


def test_a_year_beyond_the_calendar_falls_back_to_weekends(settings: Settings) -> None:
    hours = _hours(settings)
    assert is_quiet(datetime(2030, 1, 5, 12, 0, tzinfo=CN), hours)  # a Saturday
    assert not is_quiet(datetime(2030, 1, 7, 12, 0, tzinfo=CN), hours)  # a Monday
