"""The interviewers' clock: briefing before the round, feedback request after it, one reminder;
each once, at its time, never in quiet hours; a reschedule earns them again."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services.interviewers.clock import (
    InterviewerRules,
    interviewer_rules_from_settings,
    sweep_interviewer_clock,
)
from storage.models import Feedback, Interview
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    OUTBOX_BRIEFING_DUE,
    OUTBOX_FEEDBACK_REMINDER,
    OUTBOX_FEEDBACK_REQUESTED,
)
from tests.interviewers.conftest import ZHOU, Org

CN = ZoneInfo("Asia/Shanghai")
# Wednesday 18 November 2026, a working day; the round at 10:00 for 45 minutes.
START = datetime(2026, 11, 18, 10, 0, tzinfo=CN)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CN)


def rules(org: Org) -> InterviewerRules:
    return interviewer_rules_from_settings(org.runtime.settings)


def move(org: Org, start: datetime) -> None:
    with org.runtime.session_factory() as s:
        row = s.get(Interview, org.round)
        assert row is not None
        row.scheduled_at = start
        s.commit()


def sweep(org: Org, now: datetime) -> list[str]:
    with org.runtime.session_factory() as s:
        return [
            a.kind
            for a in sweep_interviewer_clock(s, now=now, rules=rules(org))
            if a.action == "sent"
        ]


def kinds(org: Org) -> list[str]:
    with org.runtime.session_factory() as s:
        wanted = (OUTBOX_BRIEFING_DUE, OUTBOX_FEEDBACK_REQUESTED, OUTBOX_FEEDBACK_REMINDER)
        return list(
            s.scalars(
                select(OutboxEvent.kind)
                .where(OutboxEvent.kind.in_(wanted))
                .order_by(OutboxEvent.id)
            )
        )


def test_an_early_round_is_briefed_the_evening_before_once(org: Org) -> None:
    move(org, START)  # 2 h before is 08:00, quiet: the briefing moves to 20:59 the day before
    assert sweep(org, at(17, 20, 30)) == []
    assert sweep(org, at(17, 20, 59)) == ["interviewer_briefing"]
    assert sweep(org, at(17, 20, 59)) == []
    assert sweep(org, at(18, 9, 30)) == []  # once per schedule
    assert kinds(org) == [OUTBOX_BRIEFING_DUE]


def test_a_round_in_working_hours_is_briefed_two_hours_before(org: Org) -> None:
    move(org, at(18, 15))
    assert sweep(org, at(18, 12, 59)) == []
    assert sweep(org, at(18, 13, 0)) == ["interviewer_briefing"]


def test_feedback_request_after_the_end_and_one_reminder_a_day_later(org: Org) -> None:
    move(org, START)
    assert sweep(org, at(18, 10, 44)) == []  # the round runs until 10:45
    assert sweep(org, at(18, 10, 46)) == ["feedback_request"]
    assert sweep(org, at(18, 11, 0)) == []
    assert sweep(org, at(19, 10, 44)) == []
    assert sweep(org, at(19, 10, 46)) == ["feedback_reminder"]
    assert sweep(org, at(19, 12, 0)) == []
    assert kinds(org) == [OUTBOX_FEEDBACK_REQUESTED, OUTBOX_FEEDBACK_REMINDER]


def test_nothing_goes_out_in_quiet_hours_it_waits_for_the_window(org: Org) -> None:
    move(org, at(18, 20, 30))  # ends 21:15, inside quiet hours
    assert sweep(org, at(18, 21, 20)) == []
    assert sweep(org, at(18, 23, 0)) == []
    assert sweep(org, at(19, 9, 0)) == ["feedback_request"]


def test_no_reminder_when_everyone_answered(org: Org) -> None:
    move(org, START)
    sweep(org, at(18, 10, 46))
    with org.runtime.session_factory() as s:
        for staff_id in (ZHOU, "st-hr-sun"):
            s.add(
                Feedback(
                    id=f"fb-{staff_id}",
                    version=1,
                    interview_id=org.round,
                    staff_id=staff_id,
                    result="pass",
                    ratings=[],
                    submitted_at=START,
                )
            )
        s.commit()
    assert sweep(org, at(19, 10, 46)) == []


def test_a_reschedule_briefs_again_for_the_new_time(org: Org) -> None:
    move(org, at(18, 15))
    assert sweep(org, at(18, 13, 0)) == ["interviewer_briefing"]
    move(org, at(18, 16, 30))
    assert sweep(org, at(18, 14, 30)) == ["interviewer_briefing"]
    assert len(kinds(org)) == 2
