"""The rounds an interviewer sees: my upcoming and past rounds, and each round's briefing.

The briefing carries the AI report of the application (its latest visible score, by the one
rule of storage/scores.py), the weakest dimensions with what to probe, and the feedback state:
my own feedback, and the others' only once I have given mine (so that no one anchors on a
colleague's verdict).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, literal, select
from sqlalchemy.orm import Session

from services.access.visibility import (
    Viewer,
    assigned_interview_scope,
    get_interview_for_interviewer,
    require_staff,
)
from services.interviewers.questions import questions_for
from storage.models import Application, Candidate, Feedback, Interview, Position, Score, Staff
from storage.scores import latest_application_score

DEFAULT_DURATION_MINUTES = 60  # a round without a length is taken to last an hour
WEAKEST = 2  # how many weak dimensions the briefing suggests probing
LIST_LIMIT = 200


def round_end(interview: Interview) -> datetime | None:
    """When a round ends: its start plus its length (an hour when the EHR gave none)."""
    if interview.scheduled_at is None:
        return None
    minutes = interview.duration_minutes or DEFAULT_DURATION_MINUTES
    return interview.scheduled_at + timedelta(minutes=minutes)


@dataclass(frozen=True)
class RoundContext:
    interview: Interview
    application: Application
    candidate: Candidate
    position: Position


def load_round(session: Session, interview_id: str) -> RoundContext | None:
    """The live round with its application, candidate and position, or None."""
    interview = session.get(Interview, interview_id)
    if interview is None or interview.deleted:
        return None
    application = session.get(Application, interview.application_id)
    if application is None or application.deleted:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    if candidate is None or position is None or candidate.deleted or position.deleted:
        return None
    return RoundContext(interview, application, candidate, position)


def latest_feedback(session: Session, interview_id: str) -> dict[str, Feedback]:
    """Each interviewer's current feedback on a round (the latest, should the EHR keep several)."""
    rows = session.scalars(
        select(Feedback)
        .where(Feedback.interview_id == interview_id, Feedback.deleted.is_(false()))
        .order_by(Feedback.version, Feedback.id)
    )
    return {row.staff_id: row for row in rows}


def ai_score(session: Session, application_id: str) -> Score | None:
    """The application's latest visible score (storage/scores.py's rule)."""
    row = session.execute(latest_application_score(literal(application_id))).first()
    return session.get(Score, row.score_id) if row is not None else None


def dimensions_of(score: Score | None) -> list[dict[str, Any]]:
    if score is None:
        return []
    ordered = sorted(score.dimensions, key=lambda d: d.ordinal)
    return [
        {"key": d.key, "label": d.label, "score": d.score, "max_score": d.max_score}
        for d in ordered
    ]


def weakest(session: Session, dimensions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lowest dimensions (by share of their maximum) with the questions to probe them."""
    ranked = sorted(dimensions, key=lambda d: (d["score"] / (d["max_score"] or 1), d["key"]))
    return [
        {**d, "questions": questions_for(session, d["key"], d["label"])} for d in ranked[:WEAKEST]
    ]


def feedback_view(row: Feedback, names: dict[str, str]) -> dict[str, Any]:
    return {
        "feedback_id": row.id,
        "staff_id": row.staff_id,
        "staff_name": names.get(row.staff_id, row.staff_id),
        "version": row.version,
        "result": row.result,
        "ratings": list(row.ratings or []),
        "comment": row.comment,
        "submitted_at": row.submitted_at,
    }


def _summary(ctx: RoundContext, mine: Feedback | None, now: datetime) -> dict[str, Any]:
    iv = ctx.interview
    return {
        "interview_id": iv.id,
        "application_id": ctx.application.id,
        "candidate_name": ctx.candidate.name,
        "position": ctx.position.title,
        "round": iv.round,
        "kind": iv.kind,
        "status": iv.status,
        "scheduled_at": iv.scheduled_at,
        "ends_at": round_end(iv),
        "duration_minutes": iv.duration_minutes or DEFAULT_DURATION_MINUTES,
        "location": iv.location,
        "meeting_url": iv.meeting_url,
        "upcoming": iv.scheduled_at is not None and iv.scheduled_at > now,
        "feedback_given": mine is not None,
    }


def list_my_rounds(session: Session, viewer: Viewer, *, now: datetime) -> list[dict[str, Any]]:
    """The rounds the viewer is an interviewer of: upcoming first (soonest), then past."""
    staff_id = require_staff(viewer)
    interviews = session.scalars(
        select(Interview)
        .where(assigned_interview_scope(session, viewer), Interview.scheduled_at.is_not(None))
        .order_by(Interview.scheduled_at.desc())
        .limit(LIST_LIMIT)
    ).all()
    items = []
    for interview in interviews:
        ctx = load_round(session, interview.id)
        if ctx is not None:
            mine = latest_feedback(session, interview.id).get(staff_id)
            items.append(_summary(ctx, mine, now))
    upcoming = sorted((i for i in items if i["upcoming"]), key=lambda i: i["scheduled_at"])
    return upcoming + [i for i in items if not i["upcoming"]]


def staff_names(session: Session, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    return {s.id: s.name for s in session.scalars(select(Staff).where(Staff.id.in_(ids)))}


def get_briefing(
    session: Session, viewer: Viewer, interview_id: str, *, now: datetime
) -> dict[str, Any]:
    """The briefing of a round the viewer is assigned to (else NotFound)."""
    staff_id = require_staff(viewer)
    get_interview_for_interviewer(session, viewer, interview_id)
    ctx = load_round(session, interview_id)
    assert ctx is not None  # the scope above requires the same live rows
    given = latest_feedback(session, interview_id)
    mine = given.get(staff_id)
    score = ai_score(session, ctx.application.id)
    dims = dimensions_of(score)
    ids = ctx.interview.interviewer_ids
    names = staff_names(session, ids)
    others = [feedback_view(r, names) for s, r in given.items() if s != staff_id]
    start = ctx.interview.scheduled_at
    return {
        **_summary(ctx, mine, now),
        "ai": {"score_id": score.id, "overall": score.overall, "dimensions": dims}
        if score
        else None,
        "weakest": weakest(session, dims),
        "interviewers": [
            {"staff_id": i, "name": names.get(i, i), "answered": i in given} for i in ids
        ],
        "can_give_feedback": start is not None
        and start <= now
        and ctx.interview.status != "cancelled",
        "default_ratings": [{**d, "score": None} for d in dims],
        "my_feedback": feedback_view(mine, names) if mine else None,
        # Hidden until I have given mine: None says "hidden", [] says "none yet".
        "others_feedback": others if mine is not None else None,
    }
