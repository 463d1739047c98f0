"""HR's decision on a check with an item to consider: Pass, Fail, or Ask the candidate.

The first Pass or Fail wins: the check row is locked (PostgreSQL `FOR UPDATE`), so of two HR
owners deciding at once the second waits, then finds the decision and is told who made it.
Ask records that the candidate is asked to explain (the H5 page takes the answer) and leaves the
decision open. The backend never decides `fail` by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer
from services.bgcheck import state as st
from services.errors import Conflict, NotFound
from services.onboarding.notice import plan_in
from storage.bgcheck_models import BackgroundCheck
from storage.db import unit_of_work
from storage.models import Staff
from storage.vocabulary import OUTBOX_BGCHECK_DECIDED

ANSWERS = ("pass", "fail", "ask")
LABELS = {"pass": "背调通过", "fail": "背调不通过", "ask": "已请候选人说明"}


@dataclass(frozen=True)
class CheckDecision:
    outcome: str  # done | duplicate | already_decided
    decision: str  # pass | fail | ask
    decided_by: str  # the deciding person's name (or "system")


def _name(session: Session, staff_id: str | None) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.name if staff is not None else (staff_id or "")


def get_check_for_hr(session: Session, viewer: Viewer, application_id: str) -> BackgroundCheck:
    """The application's check for a staff viewer in scope, else NotFound."""
    with unit_of_work(session):
        get_application_for_viewer(session, viewer, application_id)
        check = st.check_of_application(session, application_id)
        if check is None:
            raise NotFound("the application has no background check")
        return check


def decide_check(
    session: Session, viewer: Viewer, application_id: str, answer: str, *, now: datetime
) -> CheckDecision:
    """Record HR's answer unless a decision came first; one unit of work."""
    if answer not in ANSWERS:
        raise ValueError(answer)
    with unit_of_work(session):
        get_application_for_viewer(session, viewer, application_id)  # scope, else NotFound
        check = st.check_of_application(session, application_id, lock=True)
        if check is None:
            raise NotFound("the application has no background check")
        if check.decision is not None:
            mine = check.decided_by == viewer.staff_id and check.decision == answer
            outcome = "duplicate" if mine else "already_decided"
            return CheckDecision(outcome, check.decision, _name(session, check.decided_by))
        if check.status != "completed":
            raise Conflict("the vendor has not completed the check", code="check_not_completed")
        if answer == "ask":
            check.explanation_requested_at, check.updated_at = now, now
            return CheckDecision("done", "ask", _name(session, viewer.staff_id))
        check.decision, check.decided_by, check.decided_at = answer, viewer.staff_id, now
        check.updated_at = now
        step = st.step_of(check)
        key = f"bgcheck:{check.id}:decided"
        st.outbox(
            session, check, OUTBOX_BGCHECK_DECIDED, key, now, step=step, actor=viewer.staff_id
        )
        if answer == "pass":  # the onboarding notice is due; HR owners confirm date and place
            plan_in(session, check.application_id, now)
        return CheckDecision("done", answer, _name(session, viewer.staff_id))
