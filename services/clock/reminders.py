"""Invitation and attendance reminders: which are due as of `now`, fired at most once each.

A reminder is keyed by (interview, schedule version, kind); the schedule version is a stable hash
of the fields that define the schedule, so a reschedule or a new deadline gives new keys and
supersedes reminders still held for the old one. Within one version each kind fires at most
once; across versions a kind fires again only when its trigger time moved past the one already
sent (a new deadline earns a new "deadline soon" reminder, a moved deadline does not repeat the
"invitation unopened" one). Firing writes the reminder's state and a `reminder.due` outbox row in
one transaction; the delivery pipeline (services/clock/cards.py) reads the cache again at send
time. Candidates are found through the (status, invited_at) and (status, deadline_at) indexes,
bounded by a look-back window.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from config import Settings
from services.clock.quiet_hours import WorkingHours, is_quiet, next_window_open
from services.clock.quiet_hours import working_hours_from_settings as _working_hours
from storage import vocabulary
from storage.action_models import Reminder
from storage.db import unit_of_work
from storage.models import Application, Interview
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)

INVITE_UNOPENED = "invite_unopened"  # candidate: invitation not opened
NOT_ATTENDED = "not_attended"  # HR owners: not attended 24 h after invitation, or deadline passed
DEADLINE_SOON = "deadline_soon"  # candidate: deadline close, not attended (urgent)
KINDS = (INVITE_UNOPENED, NOT_ATTENDED, DEADLINE_SOON)
CANDIDATE_KINDS = (INVITE_UNOPENED, DEADLINE_SOON)
URGENT_KINDS = (DEADLINE_SOON,)
# The words are storage.vocabulary's; the names stay here for their importers.
NOT_ATTENDED_STATUSES = vocabulary.AWAITING_ATTENDANCE_STATUSES
CLOSED_STAGES = vocabulary.CLOSED_STAGES
OUTBOX_REMINDER_DUE = vocabulary.OUTBOX_REMINDER_DUE
OPEN_STATES = ("pending", "held")
CHUNK = 500


@dataclass(frozen=True)
class ReminderRules:
    invite_unopened: timedelta
    not_attended: timedelta
    deadline_soon: timedelta
    lookback: timedelta
    hours: WorkingHours


def rules_from_settings(settings: Settings) -> ReminderRules:
    """Read the reminder durations and the working window once from settings."""
    return ReminderRules(
        invite_unopened=timedelta(hours=settings.REMINDER_INVITE_UNOPENED_HOURS),
        not_attended=timedelta(hours=settings.REMINDER_NOT_ATTENDED_HOURS),
        deadline_soon=timedelta(hours=settings.REMINDER_DEADLINE_SOON_HOURS),
        lookback=timedelta(hours=settings.REMINDER_LOOKBACK_HOURS),
        hours=_working_hours(settings),
    )


@dataclass(frozen=True)
class ReminderAction:
    """One thing a sweep did, for the operator's output and the job's log (ids only)."""

    reminder_id: int | None
    interview_id: str
    kind: str
    action: str  # sent | held | superseded | skipped
    reason: str


def schedule_version(interview: Interview) -> str:
    """A stable hash of the fields that define the interview's schedule."""
    parts = (interview.invited_at, interview.deadline_at, interview.scheduled_at)
    # UTC first: the same instant must hash the same whether loaded or just assigned.
    raw = "|".join(p.astimezone(UTC).isoformat() if p else "-" for p in parts)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _triggers(kind: str, interview: Interview, rules: ReminderRules) -> list[datetime]:
    invited, deadline = interview.invited_at, interview.deadline_at
    if kind == INVITE_UNOPENED:
        return [invited + rules.invite_unopened] if invited else []
    if kind == NOT_ATTENDED:
        return [t for t in (invited + rules.not_attended if invited else None, deadline) if t]
    return [deadline - rules.deadline_soon] if deadline else []


def _status_reason(interview: Interview, application: Application | None) -> str | None:
    if interview.deleted or application is None or application.deleted:
        return "interview or application removed"
    if application.stage in CLOSED_STAGES:
        return f"application {application.stage}"
    if interview.status not in NOT_ATTENDED_STATUSES:
        return f"interview {interview.status}"
    return None


def skip_reason(
    kind: str,
    interview: Interview,
    application: Application | None,
    *,
    now: datetime,
    rules: ReminderRules,
) -> str | None:
    """Why a reminder of `kind` must not go out now (None: it still applies)."""
    reason = _status_reason(interview, application)
    deadline = interview.deadline_at
    if reason is None and kind == INVITE_UNOPENED:
        if interview.status != "invited":
            reason = "invitation opened"
        elif deadline is not None and deadline - now <= rules.deadline_soon:
            reason = "deadline close or passed: the deadline reminder covers it"
    if reason is None and kind == DEADLINE_SOON and deadline is not None and deadline <= now:
        reason = "deadline passed"
    return reason


def due_at(
    kind: str, interview: Interview, *, after: datetime | None, now: datetime, rules: ReminderRules
) -> datetime | None:
    """The earliest trigger of `kind` that has come, is not stale and is later than `after`."""
    due = [
        t
        for t in _triggers(kind, interview, rules)
        if now - rules.lookback < t <= now and (after is None or t > after)
    ]
    return min(due) if due else None


def candidates_query(now: datetime, rules: ReminderRules) -> Select[tuple[str]]:
    """Ids of interviews for which some rule may be due: three index range scans."""
    soon = Interview.status.in_(NOT_ATTENDED_STATUSES)
    unopened_to = now - rules.invite_unopened
    unattended_to = now - rules.not_attended
    return select(
        union(
            select(Interview.id).where(
                Interview.status == "invited",
                Interview.invited_at > unopened_to - rules.lookback,
                Interview.invited_at <= unopened_to,
            ),
            select(Interview.id).where(
                soon,
                Interview.invited_at > unattended_to - rules.lookback,
                Interview.invited_at <= unattended_to,
            ),
            select(Interview.id).where(
                soon,
                Interview.deadline_at > now - rules.lookback,
                Interview.deadline_at <= now + rules.deadline_soon,
            ),
        ).subquery()
    )


def _outbox(reminder: Reminder, interview: Interview, application: Application) -> OutboxEvent:
    return OutboxEvent(
        kind=OUTBOX_REMINDER_DUE,
        entity_kind="interview",
        entity_id=interview.id,
        entity_version=interview.version,
        dedupe_key=f"reminder:{reminder.id}",
        payload={
            "reminder_id": reminder.id,
            "kind": reminder.kind,
            "interview_id": interview.id,
            "application_id": application.id,
            "candidate_id": application.candidate_id,
            "position_id": application.position_id,
            "schedule_version": reminder.schedule_version,
        },
        state="pending",
        attempts=0,
    )


def _fire(
    session: Session,
    reminder: Reminder,
    interview: Interview,
    application: Application,
    *,
    now: datetime,
    rules: ReminderRules,
) -> ReminderAction:
    """Send now, or hold a non-urgent reminder until the working window opens."""
    if reminder.kind not in URGENT_KINDS and is_quiet(now, rules.hours):
        reminder.state = "held"
        opens = next_window_open(now, rules.hours).isoformat()
        reminder.reason = f"quiet hours: held until {opens}"
        return ReminderAction(reminder.id, interview.id, reminder.kind, "held", reminder.reason)
    reminder.state, reminder.fired_at = "sent", now
    session.add(_outbox(reminder, interview, application))
    return ReminderAction(reminder.id, interview.id, reminder.kind, "sent", reminder.reason or "")


def _reason(kind: str, due: datetime, rules: ReminderRules) -> str:
    hours = {INVITE_UNOPENED: rules.invite_unopened, NOT_ATTENDED: rules.not_attended}
    text = {
        INVITE_UNOPENED: f"invitation not opened {hours[INVITE_UNOPENED]} after it was sent",
        NOT_ATTENDED: "not attended after the invitation, or the deadline passed",
        DEADLINE_SOON: f"deadline within {rules.deadline_soon}, not attended",
    }
    return f"{text[kind]} (due {due.isoformat()})"


def _plan_interview(
    session: Session,
    interview: Interview,
    application: Application | None,
    existing: list[Reminder],
    *,
    now: datetime,
    rules: ReminderRules,
) -> list[ReminderAction]:
    version = schedule_version(interview)
    actions: list[ReminderAction] = []
    for old in existing:
        if old.state in OPEN_STATES and old.schedule_version != version:
            old.state, old.reason = "superseded", f"schedule changed to {version}"
            actions.append(ReminderAction(old.id, interview.id, old.kind, "superseded", old.reason))
    for kind in KINDS:
        if any(r.kind == kind and r.schedule_version == version for r in existing):
            continue
        sent = [r.due_at for r in existing if r.kind == kind and r.state == "sent"]
        due = due_at(kind, interview, after=max(sent, default=None), now=now, rules=rules)
        if due is None or skip_reason(kind, interview, application, now=now, rules=rules):
            continue
        assert application is not None
        reminder = Reminder(
            interview_id=interview.id,
            schedule_version=version,
            kind=kind,
            due_at=due,
            state="pending",
            reason=_reason(kind, due, rules),
        )
        try:
            with session.begin_nested():
                session.add(reminder)
                session.flush()
                actions.append(
                    _fire(session, reminder, interview, application, now=now, rules=rules)
                )
                session.flush()
        except IntegrityError:  # a concurrent sweep created this key first: it owns it
            log.info("reminder raced", extra={"ctx": {"interview": interview.id, "kind": kind}})
    return actions


def _release_held(session: Session, *, now: datetime, rules: ReminderRules) -> list[ReminderAction]:
    if is_quiet(now, rules.hours):
        return []
    held = list(
        session.scalars(
            select(Reminder).where(Reminder.state == "held").order_by(Reminder.due_at).limit(CHUNK)
        )
    )
    actions = []
    for reminder in held:
        interview = session.get(Interview, reminder.interview_id)
        application = session.get(Application, interview.application_id) if interview else None
        if interview is None:
            state, reason = "skipped", "interview removed"
        elif schedule_version(interview) != reminder.schedule_version:
            state, reason = "superseded", "schedule changed while held"
        else:
            skip = skip_reason(reminder.kind, interview, application, now=now, rules=rules)
            state, reason = ("skipped", skip) if skip else ("sent", "released: working window open")
        # Conditional update: a concurrent sweep that released it first wins, nothing repeats.
        result = session.execute(
            update(Reminder)
            .where(Reminder.id == reminder.id, Reminder.state == "held")
            .values(state=state, reason=reason, fired_at=now if state == "sent" else None)
            .execution_options(synchronize_session=False)
        )
        if not cast(CursorResult[Any], result).rowcount:
            continue
        session.refresh(reminder)
        if state == "sent" and interview is not None and application is not None:
            session.add(_outbox(reminder, interview, application))
        actions.append(
            ReminderAction(reminder.id, reminder.interview_id, reminder.kind, state, reason)
        )
    return actions


def sweep_reminders(
    session: Session, *, now: datetime, rules: ReminderRules
) -> list[ReminderAction]:
    """Fire every reminder due as of `now`, release held ones; one unit of work."""
    with unit_of_work(session):
        actions = _release_held(session, now=now, rules=rules)
        ids = list(session.scalars(candidates_query(now, rules)))
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            interviews = session.scalars(select(Interview).where(Interview.id.in_(chunk))).all()
            app_ids = {i.application_id for i in interviews}
            apps = {
                a.id: a
                for a in session.scalars(
                    select(Application)
                    .where(Application.id.in_(app_ids))
                    .options(lazyload(Application.requirements))  # never read here: no query
                )
            }
            existing: dict[str, list[Reminder]] = defaultdict(list)
            for row in session.scalars(select(Reminder).where(Reminder.interview_id.in_(chunk))):
                existing[row.interview_id].append(row)
            for interview in interviews:
                actions += _plan_interview(
                    session,
                    interview,
                    apps.get(interview.application_id),
                    existing[interview.id],
                    now=now,
                    rules=rules,
                )
    for action in actions:
        log.info(
            "reminder %s",
            action.action,
            extra={
                "ctx": {
                    "reminder": action.reminder_id,
                    "interview": action.interview_id,
                    "kind": action.kind,
                }
            },
        )
    return actions
