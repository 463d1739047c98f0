"""Turn an outbox event into deliveries: who gets which card, under which deterministic key.

`plan_deliveries` is one unit of work and idempotent: a delivery's dedupe key is derived from the
outbox event and the recipient, so planning twice (a retried or duplicated job) adds nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient, candidate_recipient, hr_owner_recipients
from services.notify.registry import PLANNERS, PlannedCard, planner
from storage.action_models import Delivery
from storage.db import unit_of_work
from storage.models import (
    VISIBLE_SCORE_STATUSES,
    Application,
    Candidate,
    Interview,
    Position,
    Score,
)
from storage.sync_models import OutboxEvent


@dataclass(frozen=True)
class ScoreChain:
    score: Score
    interview: Interview
    application: Application
    candidate: Candidate
    position: Position


def out_track_id(card_key: str, recipient: Recipient) -> str:
    """Deterministic card id per (cause, recipient); DingTalk allows letters, digits, - and _."""
    raw = f"mi-{card_key}-{recipient.kind}-{recipient.id}"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in raw)
    if len(safe) <= 96 and safe == raw:
        return safe
    return "mi-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def load_score_chain(session: Session, score_id: str) -> ScoreChain | None:
    """The score with its interview, application, candidate and position, if all are live."""
    score = session.get(Score, score_id)
    interview = session.get(Interview, score.interview_id) if score else None
    application = session.get(Application, interview.application_id) if interview else None
    if score is None or interview is None or application is None:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    rows = (score, interview, application, candidate, position)
    if candidate is None or position is None or any(row.deleted for row in rows if row):
        return None
    return ScoreChain(score, interview, application, candidate, position)


@planner("score.published", "score.revised")
def _plan_score(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    chain = load_score_chain(session, event.entity_id)
    # Drafts never reach a notification, whatever the outbox says.
    if chain is None or chain.score.status not in VISIBLE_SCORE_STATUSES:
        return []
    key = f"score-{chain.score.id}"
    cards = [PlannedCard("score_candidate", candidate_recipient(chain.candidate), key)]
    cards += [
        PlannedCard("score_hr", r, key) for r in hr_owner_recipients(session, chain.position.id)
    ]
    return cards


def _application_id(session: Session, event: OutboxEvent) -> str | None:
    payload_id = (event.payload or {}).get("application_id")
    if payload_id:
        return str(payload_id)
    if event.entity_kind == "score":
        chain = load_score_chain(session, event.entity_id)
        return chain.application.id if chain else None
    return None


def _add_delivery(
    session: Session,
    event: OutboxEvent,
    card: PlannedCard,
    *,
    channel: str,
    application_id: str | None,
) -> Delivery:
    dedupe_key = f"outbox-{event.id}:{card.purpose}:{card.recipient.kind}:{card.recipient.id}"
    existing = session.scalar(select(Delivery).where(Delivery.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    track_id = card.track_id or out_track_id(card.card_key, card.recipient)
    # A card this recipient already received is updated in place, never sent twice.
    earlier = session.scalar(
        select(Delivery.id)
        .where(
            Delivery.out_track_id == track_id,
            Delivery.operation == "create",
            Delivery.state == "sent",
        )
        .limit(1)
    )
    delivery = Delivery(
        outbox_id=event.id,
        application_id=application_id,
        purpose=card.purpose,
        recipient_kind=card.recipient.kind,
        recipient_id=card.recipient.id,
        dingtalk_user_id=card.recipient.dingtalk_user_id,
        channel=channel,
        out_track_id=track_id,
        operation="update" if earlier else "create",
        dedupe_key=dedupe_key,
        template=card.purpose,
        state="queued",
        attempts=0,
    )
    session.add(delivery)
    session.flush()
    return delivery


def plan_deliveries(session: Session, outbox_id: int, *, policy: NotifyPolicy) -> list[int]:
    """Record the deliveries an outbox event calls for; return those still to send."""
    with unit_of_work(session):
        event = session.get(OutboxEvent, outbox_id)
        if event is None:
            return []
        planner = PLANNERS.get(event.kind)
        cards = planner(session, event, policy) if planner else []
        application_id = _application_id(session, event)
        deliveries = [
            _add_delivery(
                session, event, card, channel=policy.channel, application_id=application_id
            )
            for card in cards
        ]
        if event.state == "pending":
            event.state = "dispatched"
        event.attempts += 1
        return [d.id for d in deliveries if d.state in ("queued", "throttled", "failed")]


def finish_outbox_event(session: Session, outbox_id: int, *, error: str | None = None) -> None:
    """Mark the event done, or keep it open with the error so the sweep retries it."""
    with unit_of_work(session):
        event = session.get(OutboxEvent, outbox_id)
        if event is None:
            return
        event.state = "done" if error is None else "dispatched"
        event.last_error = error
