"""The interviewer's buttons on the feedback card, and the write-back of what they recorded.

A click is database-only (DingTalk waits 2 s): it checks the rules as the mini-app does (the
clicker is an assigned interviewer of the round, whatever their staff role, and the round has
started), then records the submission as a pending OUTBOX_FEEDBACK_SUBMITTED row, which a job
writes back to the EHR right after the commit (jobs/interviewers.py), applying its answer as
the mini-app's form does in its request. Ratings are left empty (the contract requires the
list, not its items); the card tells the interviewer to add them in the form. A double click is
one submission (the row's dedupe key); another result later is a change, a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from services.access.visibility import STAFF, Viewer
from services.card_actions.click import CardActionResult
from services.errors import Conflict, NotFound
from services.interviewers.feedback import FeedbackCall, FeedbackInput, prepare_feedback
from services.interviewers.text import label
from storage.db import unit_of_work
from storage.ehr_log import add_outbox_events
from storage.models import Staff
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_FEEDBACK_SUBMITTED

RESULT_OF_ACTION = {"feedback_pass": "pass", "feedback_hold": "hold", "feedback_fail": "fail"}
CARD = "card"


def _answer(outcome: str, result: str, key: str, lang: str) -> CardActionResult:
    text = label(key, lang, label=label(result, lang))
    data = {"feedback": result, "feedback_label": label(result, lang)}
    return CardActionResult(outcome, data if outcome == "done" else {}, {"notice": text}, text)


def _refusal(key: str, lang: str) -> CardActionResult:
    text = label(key, lang)
    return CardActionResult("refused", {}, {"notice": text}, text)


def _viewer(session: Session, user_id: str) -> Viewer:
    staff = session.scalars(
        select(Staff).where(Staff.dingtalk_user_id == user_id, Staff.deleted.is_(false()))
    ).first()
    if staff is None:
        raise NotFound("the clicker is no staff member")
    return Viewer(
        dingtalk_user_id=user_id, staff_id=staff.id, staff_role=staff.role, roles=(STAFF,)
    )


def _pending_row(call: FeedbackCall, now: datetime) -> dict[str, Any]:
    return {
        "kind": OUTBOX_FEEDBACK_SUBMITTED,
        "entity_kind": "interview",
        "entity_id": call.interview_id,
        "entity_version": None,
        "dedupe_key": f"feedback-card:{call.idempotency_key}",
        "created_at": now,
        "payload": {**call.__dict__, "via": CARD},
        "state": "pending",  # pending: not yet written back (jobs/interviewers.py)
        "attempts": 0,
    }


def give_feedback_on_card(
    session: Session,
    *,
    out_track_id: str,
    user_id: str,
    action: str,
    params: dict[str, Any],
    now: datetime,
    lang: str = "zh",
) -> CardActionResult:
    """Record Pass / Hold / Fail from the feedback card of the round named in `params`."""
    result = RESULT_OF_ACTION[action]
    interview_id = str(params.get("interview_id") or "")[:64]
    try:
        viewer = _viewer(session, user_id)
        # One key per card and result: a double click is one, another result is a change.
        data = FeedbackInput(result=result, idempotency_key=f"card:{out_track_id}:{result}")
        call = prepare_feedback(session, viewer, interview_id, data, now=now)
    except NotFound:
        session.rollback()
        return _refusal("not_yours", lang)
    except Conflict as exc:
        session.rollback()
        return _refusal("cancelled" if exc.code == "round_cancelled" else "not_started", lang)
    with unit_of_work(session):
        new = add_outbox_events(session, [_pending_row(call, now)]) == 1
    return _answer("done" if new else "duplicate", result, "noted" if new else "noted_again", lang)


@dataclass(frozen=True)
class PendingFeedback:
    outbox_id: int
    call: FeedbackCall


def pending_card_feedback(session: Session, outbox_id: int) -> PendingFeedback | None:
    """The card submission of this outbox row, if it still waits to be written back."""
    with unit_of_work(session):
        row = session.get(OutboxEvent, outbox_id)
        if row is None or row.kind != OUTBOX_FEEDBACK_SUBMITTED or row.state != "pending":
            return None
        fields = FeedbackCall.__dataclass_fields__
        return PendingFeedback(row.id, FeedbackCall(**{k: row.payload[k] for k in fields}))


def finish_card_feedback(
    session: Session, outbox_id: int, *, state: str, error: str | None = None
) -> None:
    """Mark a card submission written back (done) or refused by the EHR (failed)."""
    with unit_of_work(session):
        row = session.get(OutboxEvent, outbox_id)
        if row is not None and row.state == "pending":
            row.state, row.last_error = state, error
            row.attempts += 1
