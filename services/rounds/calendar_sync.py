"""A round's DingTalk calendar event: what it should say, and keeping it so.

The organizer is the HR who scheduled the round from DingTalk, else the position's first HR
owner with a DingTalk user; the attendees are the interviewers, and the candidate when they
have a DingTalk user in the organisation; a reminder 15 minutes before. `RoundCalendarEvent`
records the event and the schedule version it was written for, so a retried job does nothing
twice: a create carries an idempotency key (DingTalk's x-client-token), an unchanged round is
left alone, a moved one is patched, a cancelled one is deleted once.

The DingTalk call is made by the job through the `CalendarPort` it passes in (the worker's
DingTalk client's `calendar`); this module imports no client and commits per step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from services.rounds import state as st
from services.rounds.schedule import scheduling_staff_id
from storage.db import unit_of_work
from storage.models import PositionHrOwner, Staff
from storage.round_models import RoundCalendarEvent

REMIND_MINUTES = 15
ACTIVE, CANCELLED = "active", "cancelled"


class CalendarPort(Protocol):
    def create_event(
        self, organizer_user_id: str, summary: str, description: str, *, start: datetime,
        end: datetime, attendee_user_ids: Iterable[str], location: str | None = ...,
        meeting_url: str | None = ..., remind_minutes: int | None = ...,
        idempotency_key: str | None = ...,
    ) -> str: ...  # fmt: skip

    def update_event(
        self, organizer_user_id: str, event_id: str, *, summary: str, description: str,
        start: datetime, end: datetime, attendee_user_ids: Iterable[str],
        location: str | None = ..., meeting_url: str | None = ...,
        remind_minutes: int | None = ...,
    ) -> None: ...  # fmt: skip

    def delete_event(self, organizer_user_id: str, event_id: str) -> None: ...


@dataclass(frozen=True)
class EventPlan:
    """What to do with a round's event: create, update, delete, or nothing."""

    action: str  # create | update | delete | none
    interview_id: str
    organizer: str | None = None
    event_id: str | None = None
    version: str = ""
    fields: dict[str, object] | None = None
    attendees: tuple[str, ...] = ()


def _organizer(session: Session, chain: st.RoundChain) -> str | None:
    scheduler = scheduling_staff_id(session, chain.interview.id)
    if scheduler:
        staff = session.get(Staff, scheduler)
        if staff is not None and staff.dingtalk_user_id and not staff.deleted:
            return staff.dingtalk_user_id
    return session.scalar(
        select(Staff.dingtalk_user_id)
        .join(PositionHrOwner, PositionHrOwner.staff_id == Staff.id)
        .where(
            PositionHrOwner.position_id == chain.position.id,
            Staff.deleted.is_(false()),
            Staff.dingtalk_user_id.is_not(None),
        )
        .order_by(Staff.id)
        .limit(1)
    )


def _attendees(chain: st.RoundChain) -> tuple[str, ...]:
    ids = [s.dingtalk_user_id for s in chain.interviewers if s.dingtalk_user_id]
    candidate = chain.candidate.effective_dingtalk_user_id
    return tuple(dict.fromkeys([*ids, *([candidate] if candidate else [])]))


def _fields(chain: st.RoundChain) -> dict[str, object]:
    iv = chain.interview
    return {
        "summary": f"第 {iv.round} 轮面试：{chain.candidate.name}（{chain.position.title}）"[:200],
        "description": "面试官：" + "、".join(s.name for s in chain.interviewers),
        "start": iv.scheduled_at,
        "end": chain.end,
        "location": iv.location,
        "meeting_url": iv.meeting_url,
        "remind_minutes": REMIND_MINUTES,
    }


def plan_calendar_event(session: Session, interview_id: str) -> EventPlan:
    """Compare the round with its recorded event and say what the calendar needs."""
    row = session.get(RoundCalendarEvent, interview_id)
    chain = st.load_round(session, interview_id)
    live = chain is not None and chain.interview.status == "scheduled"
    if not live or chain is None or chain.interview.scheduled_at is None:
        if row is not None and row.state == ACTIVE:
            return EventPlan("delete", interview_id, row.organizer_user_id, row.event_id)
        return EventPlan("none", interview_id)
    version = st.round_version(chain.interview)
    attendees = _attendees(chain)
    if row is not None and row.state == ACTIVE:
        if row.schedule_version == version and tuple(row.attendee_user_ids) == attendees:
            return EventPlan("none", interview_id)
        return EventPlan(
            "update", interview_id, row.organizer_user_id, row.event_id, version,
            _fields(chain), attendees,
        )  # fmt: skip
    organizer = _organizer(session, chain)
    if organizer is None:
        return EventPlan("none", interview_id)  # nobody's calendar to put it in
    return EventPlan("create", interview_id, organizer, None, version, _fields(chain), attendees)


def _record(session: Session, plan: EventPlan, event_id: str, state: str) -> None:
    with unit_of_work(session):
        row = session.get(RoundCalendarEvent, plan.interview_id)
        if row is None:
            row = RoundCalendarEvent(interview_id=plan.interview_id)
            session.add(row)
        row.organizer_user_id = str(plan.organizer)
        row.event_id, row.state = event_id, state
        if state == ACTIVE:
            row.schedule_version, row.attendee_user_ids = plan.version, list(plan.attendees)


def sync_round_calendar(
    session_factory: Callable[[], Session], calendar: CalendarPort, interview_id: str
) -> str:
    """Make the round's event match the round; return what was done. DingTalk errors propagate
    (the job retries; what was recorded is not redone)."""
    with session_factory() as session:
        plan = plan_calendar_event(session, interview_id)
    if plan.action == "none" or plan.organizer is None:
        return "none"
    if plan.action == "delete" and plan.event_id:
        calendar.delete_event(plan.organizer, plan.event_id)
        state, event_id = CANCELLED, plan.event_id
    else:
        fields = dict(plan.fields or {})
        common = {"attendee_user_ids": plan.attendees, **fields}
        if plan.action == "update" and plan.event_id:
            event_id = plan.event_id
            calendar.update_event(plan.organizer, event_id, **common)  # type: ignore[arg-type]
        else:
            key = f"round-{interview_id}-{plan.version}"
            event_id = calendar.create_event(
                plan.organizer,
                idempotency_key=key,
                **common,  # type: ignore[arg-type]
            )
        state = ACTIVE
    with session_factory() as session:
        _record(session, plan, event_id, state)
    return plan.action
