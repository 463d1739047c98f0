"""What a round is made of when its cards and calendar event are built: the interview, its
application, candidate, position and interviewers, and the schedule version of its time and place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from storage.models import Application, Candidate, Interview, Position, Staff
from storage.round_models import RoundResponse

ROUND_KINDS = ("video", "onsite")
DEFAULT_MINUTES = 60
CONFIRMED, RESCHEDULE_REQUESTED = "confirmed", "reschedule_requested"


@dataclass(frozen=True)
class RoundChain:
    interview: Interview
    application: Application
    candidate: Candidate
    position: Position
    interviewers: list[Staff]

    @property
    def end(self) -> datetime:
        start = self.interview.scheduled_at or datetime.now(UTC)
        return start + timedelta(minutes=self.interview.duration_minutes or DEFAULT_MINUTES)


def round_version(interview: Interview) -> str:
    """A stable hash of the round's time, length and place: a change is a new schedule (the
    candidate answers each schedule once; the calendar event is rewritten for each)."""
    at = interview.scheduled_at.astimezone(UTC).isoformat() if interview.scheduled_at else "-"
    parts = (at, str(interview.duration_minutes), interview.location, interview.meeting_url)
    raw = "|".join(p or "-" for p in parts)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def load_round(session: Session, interview_id: str) -> RoundChain | None:
    """The round with its people, or None for an AI interview or a row that is gone."""
    interview = session.get(Interview, interview_id)
    if interview is None or interview.deleted or interview.kind not in ROUND_KINDS:
        return None
    application = session.get(Application, interview.application_id)
    if application is None or application.deleted:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    if candidate is None or position is None:
        return None
    ids = interview.interviewer_ids
    staff = session.scalars(select(Staff).where(Staff.id.in_(ids), Staff.deleted.is_(false())))
    order = {sid: i for i, sid in enumerate(ids)}
    interviewers = sorted(staff, key=lambda s: order[s.id])
    return RoundChain(interview, application, candidate, position, interviewers)


def response_of(session: Session, interview: Interview) -> RoundResponse | None:
    """The candidate's latest answer to the round's current schedule."""
    return session.scalars(
        select(RoundResponse)
        .where(
            RoundResponse.interview_id == interview.id,
            RoundResponse.schedule_version == round_version(interview),
        )
        .order_by(RoundResponse.id.desc())
        .limit(1)
    ).first()
