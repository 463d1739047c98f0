"""The interviewers' clock: the briefing before a round, the feedback request after it, and the
one reminder to those who have not answered.

Each fires once per (round, schedule version, kind), through the Reminder table and the schedule
version of services/clock/reminders.py, so a rescheduled round earns them again for its new
time. None goes out in quiet hours: a briefing whose time falls in them moves earlier, to the
last working minute before (never after the start; when there is none close enough, the first
working minute before the start); a feedback request or reminder waits for the working window
to open. Rounds are found through ix_interview_status_scheduled_at: bounded range scans, never
a scan of the table. Firing writes the reminder row and an outbox row in one transaction; the
planners (services/interviewers/cards.py) read the cache again when they send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Settings
from services.clock.quiet_hours import WorkingHours, is_quiet, next_window_open
from services.clock.quiet_hours import working_hours_from_settings as _working_hours
from services.clock.reminders import schedule_version
from services.interviewers.rounds import latest_feedback, round_end
from services.interviewers.windows import last_working_minute
from storage.action_models import Reminder
from storage.db import unit_of_work
from storage.ehr_log import add_outbox_events
from storage.models import Interview
from storage.vocabulary import (
    OUTBOX_BRIEFING_DUE,
    OUTBOX_FEEDBACK_REMINDER,
    OUTBOX_FEEDBACK_REQUESTED,
)

log = logging.getLogger(__name__)

BRIEFING = "interviewer_briefing"
FEEDBACK_REQUEST = "feedback_request"
FEEDBACK_REMINDER = "feedback_reminder"
KINDS = (BRIEFING, FEEDBACK_REQUEST, FEEDBACK_REMINDER)
OUTBOX_FOR = {
    BRIEFING: OUTBOX_BRIEFING_DUE,
    FEEDBACK_REQUEST: OUTBOX_FEEDBACK_REQUESTED,
    FEEDBACK_REMINDER: OUTBOX_FEEDBACK_REMINDER,
}
AI_KIND = "ai"
UPCOMING = ("scheduled",)
# After its start a round stays scheduled, or the EHR marks it attended or completed.
HELD_OR_DONE = ("scheduled", "attended", "completed")
# Bounds of the range scans: rounds longer than this, or briefings moved earlier than this,
# are not looked for (a round is hours; the longest quiet run before a round is a holiday).
MAX_DURATION = timedelta(hours=24)
MAX_EARLY = timedelta(days=3)


@dataclass(frozen=True)
class InterviewerRules:
    briefing: timedelta
    reminder: timedelta
    lookback: timedelta
    hours: WorkingHours


def interviewer_rules_from_settings(settings: Settings) -> InterviewerRules:
    """Read the interviewers' durations and the working window once from settings."""
    return InterviewerRules(
        briefing=timedelta(hours=settings.INTERVIEWER_BRIEFING_HOURS),
        reminder=timedelta(hours=settings.FEEDBACK_REMINDER_HOURS),
        lookback=timedelta(hours=settings.REMINDER_LOOKBACK_HOURS),
        hours=_working_hours(settings),
    )


@dataclass(frozen=True)
class ClockAction:
    """One thing the sweep did (ids only, for the operator and the log)."""

    reminder_id: int | None
    interview_id: str
    kind: str
    action: str  # sent | skipped
    reason: str


def briefing_at(start: datetime, rules: InterviewerRules) -> datetime | None:
    """When the briefing of a round starting at `start` goes out (None: no working time)."""
    wanted = start - rules.briefing
    if not is_quiet(wanted, rules.hours):
        return wanted
    earlier = last_working_minute(wanted, rules.hours)
    if earlier is not None and wanted - earlier <= MAX_EARLY:
        return earlier
    opens = next_window_open(wanted, rules.hours)
    return opens if opens < start else None


def due_at(kind: str, interview: Interview, rules: InterviewerRules) -> datetime | None:
    """When `kind` is due for this round, inside working hours."""
    start, end = interview.scheduled_at, round_end(interview)
    if start is None or end is None:
        return None
    if kind == BRIEFING:
        return briefing_at(start, rules)
    trigger = end if kind == FEEDBACK_REQUEST else end + rules.reminder
    return next_window_open(trigger, rules.hours)


def due_rounds_query(now: datetime, rules: InterviewerRules) -> Select[Any]:
    """Ids of rounds for which some kind may be due: range scans of (status, scheduled_at)."""
    # A trigger in quiet hours fires when the window opens: look back to the start of the
    # quiet run that holds the look-back's edge, so such a trigger is still found.
    edge = now - rules.lookback
    floor = last_working_minute(edge, rules.hours) or edge
    window = (
        # briefings: rounds starting soon (a briefing moved earlier looks further ahead)
        (UPCOMING, now, now + rules.briefing + MAX_EARLY),
        # feedback requests: rounds that ended since the floor
        (HELD_OR_DONE, floor - MAX_DURATION, now),
        # reminders: rounds that ended a reminder's delay before
        (HELD_OR_DONE, floor - MAX_DURATION - rules.reminder, now - rules.reminder),
    )
    ranges = [
        (Interview.status.in_(statuses))
        & (Interview.scheduled_at > low)
        & (Interview.scheduled_at <= high)
        for statuses, low, high in window
    ]
    return select(Interview.id).where(
        or_(*ranges), Interview.kind != AI_KIND, Interview.deleted.is_(false())
    )


def _briefing_skip(interview: Interview, now: datetime) -> str | None:
    if interview.status != "scheduled":
        return f"round {interview.status}"
    if interview.scheduled_at is None or interview.scheduled_at <= now:
        return "the round has started"
    return None


def skip_reason(kind: str, session: Session, interview: Interview, *, now: datetime) -> str | None:
    """Why `kind` must not go out for this round now (None: it still applies)."""
    if not interview.interviewer_ids:
        return "no interviewers assigned"
    if kind == BRIEFING:
        return _briefing_skip(interview, now)
    if interview.status not in HELD_OR_DONE:
        return f"round {interview.status}"
    if kind == FEEDBACK_REMINDER:
        given = latest_feedback(session, interview.id)
        if all(staff_id in given for staff_id in interview.interviewer_ids):
            return "every interviewer has answered"
    return None


def _outbox_row(reminder: Reminder, interview: Interview) -> dict[str, object]:
    return {
        "kind": OUTBOX_FOR[reminder.kind],
        "entity_kind": "interview",
        "entity_id": interview.id,
        "entity_version": interview.version,
        "dedupe_key": f"reminder:{reminder.id}",
        "payload": {
            "reminder_id": reminder.id,
            "kind": reminder.kind,
            "interview_id": interview.id,
            "application_id": interview.application_id,
            "schedule_version": reminder.schedule_version,
        },
        "state": "pending",
        "attempts": 0,
    }


def _fire(
    session: Session, interview: Interview, kind: str, due: datetime, *, version: str, now: datetime
) -> ClockAction | None:
    reason = skip_reason(kind, session, interview, now=now)
    reminder = Reminder(
        interview_id=interview.id,
        schedule_version=version,
        kind=kind,
        due_at=due,
        state="skipped" if reason else "sent",
        reason=reason or f"{kind} due {due.isoformat()}",
        fired_at=None if reason else now,
    )
    try:
        with session.begin_nested():
            session.add(reminder)
            session.flush()
            if reason is None:
                add_outbox_events(session, [_outbox_row(reminder, interview)])
    except IntegrityError:  # a concurrent sweep created this key first: it owns it
        return None
    action = "skipped" if reason else "sent"
    return ClockAction(reminder.id, interview.id, kind, action, reminder.reason or "")


def _plan_round(
    session: Session,
    interview: Interview,
    existing: set[tuple[str, str]],
    *,
    now: datetime,
    rules: InterviewerRules,
) -> list[ClockAction]:
    version = schedule_version(interview)
    actions = []
    for kind in KINDS:
        if (version, kind) in existing:
            continue
        due = due_at(kind, interview, rules)
        # Due, not stale, never in quiet hours, and a briefing never after the start.
        if due is None or not now - rules.lookback < due <= now:
            continue
        if (
            kind == BRIEFING
            and interview.scheduled_at is not None
            and interview.scheduled_at <= now
        ):
            continue
        action = _fire(session, interview, kind, due, version=version, now=now)
        if action is not None:
            actions.append(action)
    return actions


def sweep_interviewer_clock(
    session: Session, *, now: datetime, rules: InterviewerRules
) -> list[ClockAction]:
    """Send every briefing, feedback request and reminder due as of `now`; one unit of work."""
    actions: list[ClockAction] = []
    with unit_of_work(session):
        if is_quiet(now, rules.hours):
            return actions  # nothing of this clock is urgent: the window's opening sends it
        ids: list[str] = list(session.scalars(due_rounds_query(now, rules)))
        interviews = (
            session.scalars(select(Interview).where(Interview.id.in_(ids))).all() if ids else []
        )
        existing: dict[str, set[tuple[str, str]]] = {i: set() for i in ids}
        if ids:
            rows = session.execute(
                select(Reminder.interview_id, Reminder.schedule_version, Reminder.kind).where(
                    Reminder.interview_id.in_(ids), Reminder.kind.in_(KINDS)
                )
            )
            for interview_id, version, kind in rows:
                existing[interview_id].add((version, kind))
        for interview in interviews:
            actions += _plan_round(session, interview, existing[interview.id], now=now, rules=rules)
    for a in actions:
        log.info(
            "interviewer clock %s",
            a.action,
            extra={"ctx": {"reminder": a.reminder_id, "interview": a.interview_id, "kind": a.kind}},
        )
    return actions
