"""Reminder rules as of an injected `now`: each fires once, on time, never after attendance."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.clock.reminders import ReminderRules, schedule_version, sweep_reminders
from storage.action_models import Reminder
from storage.models import Interview
from storage.runtime import Runtime
from tests.clock.conftest import WED, at, invite, outbox

DUE = "reminder.due"


def _kinds(s: Session) -> list[tuple[str, str]]:
    return [(e.payload["kind"], e.entity_id) for e in outbox(s, DUE)]


def test_invitation_unopened_fires_once_at_twelve_hours(org: Session, rules: ReminderRules) -> None:
    invite(org, 1, invited_at=at(WED, 8), deadline_at=at(WED, 72))
    assert sweep_reminders(org, now=at(WED, 19.99), rules=rules) == []
    actions = sweep_reminders(org, now=at(WED, 20), rules=rules)
    assert [(a.kind, a.action) for a in actions] == [("invite_unopened", "sent")]
    assert sweep_reminders(org, now=at(WED, 20.5), rules=rules) == []
    assert _kinds(org) == [("invite_unopened", "i-1")]
    event = outbox(org, DUE)[0]
    reminder = org.get(Reminder, event.payload["reminder_id"])
    assert reminder is not None and reminder.state == "sent"
    assert event.payload["interview_id"] == "i-1" and event.dedupe_key == f"reminder:{reminder.id}"


def test_nothing_after_the_candidate_opened_or_attended(org: Session, rules: ReminderRules) -> None:
    invite(org, 1, invited_at=at(WED, 8), deadline_at=at(WED, 72), status="opened")
    invite(org, 2, invited_at=at(WED, 8), deadline_at=at(WED, 72), status="attended")
    invite(org, 3, invited_at=at(WED, 8), deadline_at=at(WED, 72), status="cancelled")
    for hour in (20, 34, 72):
        sweep_reminders(org, now=at(WED, hour), rules=rules)
    # Only the opened-but-not-attended interview earns the HR follow-up (24 h after invitation).
    assert _kinds(org) == [("not_attended", "i-1")]


def test_not_attended_after_24_hours_or_when_the_deadline_passes(
    org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, 10), deadline_at=at(WED, 72))
    invite(org, 2, invited_at=at(WED, 10), deadline_at=at(WED, 18))
    sweep_reminders(org, now=at(WED, 17.9), rules=rules)
    sweep_reminders(org, now=at(WED, 18), rules=rules)
    assert _kinds(org) == [("deadline_soon", "i-2"), ("not_attended", "i-2")]
    sweep_reminders(org, now=at(WED, 33.9), rules=rules)
    sweep_reminders(org, now=at(WED, 34), rules=rules)
    sweep_reminders(org, now=at(WED, 35), rules=rules)
    # The unopened reminder (due 22:00, first swept Thursday 09:54) and then the follow-up.
    assert _kinds(org)[2:] == [("invite_unopened", "i-1"), ("not_attended", "i-1")]


def test_deadline_soon_is_urgent_and_goes_out_in_quiet_hours(
    org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, 20.5), deadline_at=at(WED, 24))
    actions = sweep_reminders(org, now=at(WED, 22), rules=rules)  # 22:00, outside the window
    assert [(a.kind, a.action) for a in actions] == [("deadline_soon", "sent")]
    assert sweep_reminders(org, now=at(WED, 23), rules=rules) == []


def test_quiet_hours_hold_and_release_when_the_window_opens(
    org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, 10), deadline_at=at(WED, 96))  # due 22:00
    actions = sweep_reminders(org, now=at(WED, 22), rules=rules)
    assert [(a.kind, a.action) for a in actions] == [("invite_unopened", "held")]
    assert "2026-11-19T09:00:00+08:00" in actions[0].reason
    assert sweep_reminders(org, now=at(WED, 30), rules=rules) == []  # Thu 06:00, still quiet
    assert _kinds(org) == []
    released = sweep_reminders(org, now=at(WED, 33), rules=rules)  # Thu 09:00
    assert [(a.kind, a.action) for a in released] == [("invite_unopened", "sent")]
    assert _kinds(org) == [("invite_unopened", "i-1")]
    assert sweep_reminders(org, now=at(WED, 33.1), rules=rules) == []


def test_a_held_reminder_is_dropped_when_the_candidate_attends_meanwhile(
    org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, 10), deadline_at=at(WED, 96))
    sweep_reminders(org, now=at(WED, 22), rules=rules)
    org.get(Interview, "i-1").status = "attended"  # type: ignore[union-attr]
    org.commit()
    actions = sweep_reminders(org, now=at(WED, 33), rules=rules)
    assert [(a.action, a.reason) for a in actions] == [("skipped", "interview attended")]
    assert _kinds(org) == []


def test_a_reschedule_supersedes_held_reminders(org: Session, rules: ReminderRules) -> None:
    invite(org, 1, invited_at=at(WED, 10), deadline_at=at(WED, 96))
    sweep_reminders(org, now=at(WED, 22), rules=rules)
    old = org.scalars(select(Reminder)).one()
    interview = org.get(Interview, "i-1")
    assert interview is not None and old.schedule_version == schedule_version(interview)
    interview.deadline_at = at(WED, 96)  # the same instant, assigned in another time zone
    org.commit()
    assert sweep_reminders(org, now=at(WED, 22.5), rules=rules) == []
    interview.deadline_at = at(WED, 120)  # HR extended the deadline overnight
    org.commit()
    actions = sweep_reminders(org, now=at(WED, 23), rules=rules)
    assert sorted((a.action, a.kind) for a in actions) == [
        ("held", "invite_unopened"),
        ("superseded", "invite_unopened"),
    ]
    sweep_reminders(org, now=at(WED, 33), rules=rules)
    org.expire_all()
    states = {
        (r.schedule_version == old.schedule_version, r.state) for r in org.scalars(select(Reminder))
    }
    assert states == {(True, "superseded"), (False, "sent")}
    assert _kinds(org) == [("invite_unopened", "i-1")]  # one push, not two


def test_a_new_deadline_earns_a_new_deadline_reminder_but_nothing_repeats(
    org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, 0), deadline_at=at(WED, 18))
    sweep_reminders(org, now=at(WED, 12), rules=rules)  # invitation unopened
    sweep_reminders(org, now=at(WED, 16), rules=rules)  # deadline soon
    interview = org.get(Interview, "i-1")
    assert interview is not None
    interview.deadline_at = at(WED, 42)  # extended by 24 h before the deadline
    org.commit()
    for hour in (17, 18, 24, 39.9):
        sweep_reminders(org, now=at(WED, hour), rules=rules)
    assert _kinds(org) == [
        ("invite_unopened", "i-1"),
        ("deadline_soon", "i-1"),
        ("not_attended", "i-1"),  # 24 h after the invitation, under the new schedule
    ]
    sweep_reminders(org, now=at(WED, 40), rules=rules)
    sweep_reminders(org, now=at(WED, 42), rules=rules)
    assert _kinds(org)[3:] == [("deadline_soon", "i-1")]


def test_stale_reminders_beyond_the_lookback_are_not_sent(
    org: Session, rules: ReminderRules
) -> None:
    invite(org, 1, invited_at=at(WED, -100), deadline_at=None)
    assert sweep_reminders(org, now=at(WED, 12), rules=rules) == []


def test_concurrent_sweeps_push_once(runtime: Runtime, org: Session, rules: ReminderRules) -> None:
    for n in range(1, 6):
        invite(org, n, invited_at=at(WED, 8), deadline_at=at(WED, 72))
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def sweep() -> None:
        s = runtime.session_factory()
        try:
            barrier.wait()
            sweep_reminders(s, now=at(WED, 20), rules=rules)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            s.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(_kinds(org)) == [("invite_unopened", f"i-{n}") for n in range(1, 6)]
    assert len(org.scalars(select(Reminder)).all()) == 5
    assert timedelta(0) < rules.lookback
