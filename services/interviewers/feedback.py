"""An interviewer's feedback: the rules, the EHR's answer applied, and "everyone answered".

Rules (as the best HR systems enforce them): only an assigned interviewer gives feedback, not
before the round has started, never on a cancelled round. One feedback per interviewer per
round: a later submission (another idempotency key) is a change, which the EHR keeps as a new
version of the same feedback, with the earlier one in history; the same key twice is one
submission (the EHR answers the same version, and applying it again is a duplicate).

The write-back itself is the caller's (a transport or a job: services never call the EHR);
this module checks before it and records after it. When every assigned interviewer of a round
has a feedback, from the mini-app, a card or the EHR's own `feedback.upserted`, one
OUTBOX_FEEDBACK_COMPLETE row is written per round (its dedupe key), whose planner sends HR the
summary.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_interview_for_interviewer, require_staff
from services.ehr.answers import ingest_writeback_answer
from services.errors import Conflict, InvalidInput
from services.interviewers.rounds import latest_feedback
from storage.db import unit_of_work
from storage.ehr_log import add_outbox_events
from storage.models import Feedback, Interview
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    FEEDBACK_RESULTS,
    OUTBOX_FEEDBACK_COMPLETE,
    OUTBOX_FEEDBACK_SUBMITTED,
)

MAX_RATINGS = 30
MAX_COMMENT_CHARS = 5000
MAX_KEY_CHARS = 100


@dataclass(frozen=True)
class FeedbackInput:
    result: str
    ratings: list[dict[str, Any]] = field(default_factory=list)
    comment: str | None = None
    idempotency_key: str = ""


@dataclass(frozen=True)
class FeedbackCall:
    """What the EHR must receive (`EhrClient.submit_feedback`)."""

    interview_id: str
    staff_id: str
    result: str
    ratings: list[dict[str, Any]]
    comment: str | None
    idempotency_key: str


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def clean_ratings(ratings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each rating {key, label, score, max_score} with 0 <= score <= max_score; keys unique."""
    if len(ratings) > MAX_RATINGS:
        raise InvalidInput(f"ratings: at most {MAX_RATINGS}")
    out = []
    for i, rating in enumerate(ratings):
        key, label = rating.get("key"), rating.get("label")
        score, top = _number(rating.get("score")), _number(rating.get("max_score"))
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            raise InvalidInput(f"ratings.{i}.key: a non-empty key")
        if score is None or top is None or top <= 0 or not 0 <= score <= top:
            raise InvalidInput(f"ratings.{i}: 0 <= score <= max_score, max_score > 0")
        out.append({"key": key, "label": str(label or key)[:200], "score": score, "max_score": top})
    if len({r["key"] for r in out}) != len(out):
        raise InvalidInput("ratings: a dimension is rated twice")
    return out


def _key(staff_id: str, interview_id: str, client_key: str) -> str:
    # Namespaced per interviewer and round: one person's key can never replay another's.
    digest = hashlib.sha256(f"{staff_id}|{interview_id}|{client_key}".encode()).hexdigest()
    return f"fb-{digest[:40]}"


def check_round_open(interview: Interview, *, now: datetime) -> None:
    """Refuse feedback on a round that has not started or was cancelled (409)."""
    if interview.status == "cancelled":
        raise Conflict("the round was cancelled: no feedback", code="round_cancelled")
    if interview.scheduled_at is None or interview.scheduled_at > now:
        raise Conflict(
            "the round has not started yet: give feedback after it begins",
            code="round_not_started",
        )


def prepare_feedback(
    session: Session, viewer: Viewer, interview_id: str, data: FeedbackInput, *, now: datetime
) -> FeedbackCall:
    """Check the rules for the viewer's feedback and return the write-back to make."""
    if data.result not in FEEDBACK_RESULTS:
        raise InvalidInput(f"result: one of {', '.join(FEEDBACK_RESULTS)}")
    if not data.idempotency_key:
        raise InvalidInput("idempotency_key is required")
    if data.comment is not None and len(data.comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"comment: at most {MAX_COMMENT_CHARS} characters")
    ratings = clean_ratings(data.ratings)
    with unit_of_work(session):
        staff_id = require_staff(viewer)
        interview = get_interview_for_interviewer(session, viewer, interview_id)
        check_round_open(interview, now=now)
        return FeedbackCall(
            interview_id=interview.id,
            staff_id=staff_id,
            result=data.result,
            ratings=ratings,
            comment=data.comment,
            idempotency_key=_key(staff_id, interview.id, data.idempotency_key),
        )


def record_completion(session: Session, interview_id: str) -> bool:
    """Write OUTBOX_FEEDBACK_COMPLETE once per round when every interviewer has answered.

    Inside the caller's transaction; True when the row is new.
    """
    interview = session.get(Interview, interview_id)
    if interview is None or interview.deleted or not interview.interviewer_ids:
        return False
    given = latest_feedback(session, interview_id)
    if any(staff_id not in given for staff_id in interview.interviewer_ids):
        return False
    row = {
        "kind": OUTBOX_FEEDBACK_COMPLETE,
        "entity_kind": "interview",
        "entity_id": interview.id,
        "entity_version": interview.version,
        "dedupe_key": f"feedback-complete:{interview.id}",
        "payload": {
            "interview_id": interview.id,
            "application_id": interview.application_id,
            "feedback_ids": sorted(r.id for r in given.values()),
        },
        "state": "pending",
        "attempts": 0,
    }
    return add_outbox_events(session, [row]) == 1


def _submitted_row(call: FeedbackCall, row: Feedback, via: str) -> dict[str, Any]:
    return {
        "kind": OUTBOX_FEEDBACK_SUBMITTED,
        "entity_kind": "feedback",
        "entity_id": row.id,
        "entity_version": row.version,
        "dedupe_key": f"feedback-submitted:{row.id}:v{row.version}",
        "payload": {
            "interview_id": call.interview_id,
            "feedback_id": row.id,
            "staff_id": call.staff_id,
            "via": via,
        },
        # Written back already: the record of what happened, which nothing takes up.
        "state": "done",
        "attempts": 1,
    }


def record_feedback_answer(
    session: Session,
    call: FeedbackCall,
    entity: dict[str, Any],
    *,
    now: datetime,
    via: str,
    outbox_id: int | None = None,
) -> Feedback:
    """Apply the EHR's answer to the cache, record the submission, check completeness.

    `outbox_id`: the pending row of a card submission, which becomes the record (done).
    """
    with unit_of_work(session):
        ingest_writeback_answer(session, "feedback", entity, now=now)
        row = session.get(Feedback, str(entity.get("id")))
        if row is None:  # the answer was refused by validation: nothing to show for it
            raise Conflict("the EHR's answer could not be applied", code="ehr_answer_invalid")
        pending = session.get(OutboxEvent, outbox_id) if outbox_id is not None else None
        if pending is not None:
            pending.state, pending.entity_version = "done", row.version
            pending.attempts += 1
        else:
            add_outbox_events(session, [_submitted_row(call, row, via)])
        record_completion(session, call.interview_id)
        session.flush()
        return row
