"""Where an invitation and its "I need more time" request stand, read from the outbox rows.

The request is an outbox row (`interview.more_time_requested`, one per schedule version); HR's
answer is either the existing extension row of one of the request's HR cards or a
`interview.deadline_kept` row keyed by the request. No table of its own: the rows' unique
dedupe keys already make each step happen once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.action_models import Delivery
from storage.models import Application, Candidate, Interview, Position
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    AWAITING_ATTENDANCE_STATUSES,
    CLOSED_STAGES,
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_DEADLINE_KEPT,
    OUTBOX_MORE_TIME_REQUESTED,
)

AI_KIND = "ai"  # storage.vocabulary.INTERVIEW_KINDS: only the AI interview has an invitation card
INVITATION = "invitation"  # the candidate's card (catalog purpose, template name)
MORE_TIME_HR = "more_time_hr"  # HR's card answering the request
EXTEND_HOURS = "24"  # what HR's "Extend 24 h" button grants
# How the request stands on the candidate's card (its `more_time` variable).
REQUESTED, EXTENDED, KEPT = "requested", "extended", "kept"


@dataclass(frozen=True)
class InvitationChain:
    interview: Interview
    application: Application
    candidate: Candidate
    position: Position


def load_invitation(
    session: Session, interview_id: str, *, awaiting: bool = True
) -> InvitationChain | None:
    """The AI interview with its application, candidate and position, while it is live.

    `awaiting`: only while the candidate has still to take it (invited or opened); a draft
    ("scheduled") interview, a closed application or a removed row gives None.
    """
    interview = session.get(Interview, interview_id)
    application = session.get(Application, interview.application_id) if interview else None
    if interview is None or application is None or interview.kind != AI_KIND:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    if candidate is None or position is None or interview.deleted or application.deleted:
        return None
    if application.stage in CLOSED_STAGES or candidate.deleted:
        return None
    if awaiting and interview.status not in AWAITING_ATTENDANCE_STATUSES:
        return None
    return InvitationChain(interview, application, candidate, position)


def invitation_key(interview: Interview) -> str:
    """One card per interview and invitation: a re-invitation (new `invited_at`) is a new card."""
    sent = interview.invited_at.astimezone(UTC).isoformat() if interview.invited_at else "-"
    return f"invitation-{interview.id}-{hashlib.sha256(sent.encode()).hexdigest()[:12]}"


def card_of(session: Session, out_track_id: str, purpose: str) -> Delivery | None:
    """The first push of the card `out_track_id`, if it is a card of `purpose`."""
    return session.scalars(
        select(Delivery)
        .where(Delivery.out_track_id == out_track_id, Delivery.purpose == purpose)
        .order_by(Delivery.id)
    ).first()


def latest_request(session: Session, interview_id: str) -> OutboxEvent | None:
    return session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.kind == OUTBOX_MORE_TIME_REQUESTED,
            OutboxEvent.entity_kind == "interview",
            OutboxEvent.entity_id == interview_id,
        )
        .order_by(OutboxEvent.id.desc())
    ).first()


def kept_key(request_id: int) -> str:
    return f"deadline-kept:{request_id}"


def _extension_keys(session: Session, request_id: int) -> list[str]:
    """The dedupe keys the extend path gives an extension from each HR copy of the request."""
    tracks = session.scalars(
        select(Delivery.out_track_id).where(
            Delivery.outbox_id == request_id, Delivery.purpose == MORE_TIME_HR
        )
    ).all()
    # services/card_actions/followups._extend's key: the pressed card and the hours.
    return [f"deadline-extend:{track}:{EXTEND_HOURS}" for track in set(tracks)]


@dataclass(frozen=True)
class Answer:
    choice: str  # EXTENDED | KEPT
    actor_staff_id: str | None
    source_out_track_id: str | None


def answer_of(session: Session, request: OutboxEvent) -> Answer | None:
    """HR's answer to a request, the first one given (there is at most one)."""
    keys = [kept_key(request.id), *_extension_keys(session, request.id)]
    row = session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.dedupe_key.in_(keys),
            OutboxEvent.kind.in_((OUTBOX_DEADLINE_KEPT, OUTBOX_DEADLINE_EXTENDED)),
        )
        .order_by(OutboxEvent.id)
    ).first()
    if row is None:
        return None
    payload = row.payload or {}
    return Answer(
        KEPT if row.kind == OUTBOX_DEADLINE_KEPT else EXTENDED,
        str(payload.get("actor_staff_id") or "") or None,
        str(payload.get("source_out_track_id") or "") or None,
    )


def request_state(session: Session, interview_id: str) -> str:
    """ "" (no request), REQUESTED, EXTENDED or KEPT: the latest request and its answer."""
    request = latest_request(session, interview_id)
    if request is None:
        return ""
    answer = answer_of(session, request)
    return answer.choice if answer else REQUESTED
