"""The reminder HR send from a card: Remind, and Extend (the candidate hears the new deadline).

Either button also updates every copy of the card it was pressed on, so the other HR owners see
who acted (`copy_status`). The candidate's card is the clock's invitation reminder, built from
the interview as it is at send time.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards import builders
from cards.builders import Card
from services.clock.cards import invite_reminder_card
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient, candidate_recipient
from storage.action_models import Delivery
from storage.models import Application, Candidate, Interview, Position, Staff
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_DEADLINE_EXTENDED, OUTBOX_MANUAL_REMINDER

# What a copy of the pressed card says was done (a decision key of builders.decision_update).
COPY_ACTIONS = {OUTBOX_MANUAL_REMINDER: "remind", OUTBOX_DEADLINE_EXTENDED: "extend"}


def plan_manual_reminder(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan the candidate's reminder and the update of every copy of the card pressed."""
    interview = session.get(Interview, str((event.payload or {}).get("interview_id") or ""))
    application = session.get(Application, interview.application_id) if interview else None
    candidate = session.get(Candidate, application.candidate_id) if application else None
    if candidate is None or candidate.deleted:
        return []
    key = f"{event.kind.replace('.', '-')}-{event.id}"
    cards = [PlannedCard("invite_reminder_manual", candidate_recipient(candidate), key)]
    return cards + sibling_updates(session, event)


def sibling_updates(session: Session, event: OutboxEvent) -> list[PlannedCard]:
    """In-place updates of every copy of the card a button was pressed on."""
    track = str((event.payload or {}).get("source_out_track_id") or "")
    source = session.scalars(
        select(Delivery).where(Delivery.out_track_id == track, Delivery.operation == "create")
    ).first()
    if not track or source is None or source.outbox_id is None:
        return []
    copies = session.scalars(
        select(Delivery).where(
            Delivery.outbox_id == source.outbox_id,
            Delivery.purpose == source.purpose,
            Delivery.operation == "create",
            Delivery.state == "sent",
        )
    )
    return [
        PlannedCard(
            "copy_status",
            Recipient(copy.recipient_kind, copy.recipient_id, copy.dingtalk_user_id, ""),
            card_key=copy.out_track_id,
            operation="update",
            track_id=copy.out_track_id,
        )
        for copy in copies
    ]


def build_copy_status_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the update a copy of the pressed card gets: who reminded or extended."""
    event = outbox_event_of(session, delivery)
    action = COPY_ACTIONS.get(event.kind) if event else None
    actor = session.get(Staff, str(event.payload.get("actor_staff_id") or "")) if event else None
    if action is None or actor is None:
        return None
    return Card("copy_status", builders.decision_update(action, actor.name, lang=policy.language))


def build_manual_reminder_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the candidate's reminder from the interview as it is now (a new deadline shows)."""
    event = outbox_event_of(session, delivery)
    interview = (
        session.get(Interview, str(event.payload.get("interview_id") or "")) if event else None
    )
    application = session.get(Application, interview.application_id) if interview else None
    candidate = session.get(Candidate, application.candidate_id) if application else None
    position = session.get(Position, application.position_id) if application else None
    if interview is None or candidate is None or position is None:
        return None
    return invite_reminder_card(interview, candidate, position, policy)
