"""Turn an outbox event into deliveries: who gets which card, under which deterministic key.

`plan_deliveries` is one unit of work and idempotent: a delivery's dedupe key is derived from the
outbox event and the recipient, so planning twice (a retried or duplicated job) adds nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notify.base import PlannedCard, out_track_id
from services.notify.catalog import OUTBOX
from services.notify.policy import NotifyPolicy
from services.notify.score_cards import load_score_chain
from storage.action_models import Delivery
from storage.db import unit_of_work
from storage.sync_models import OutboxEvent

# out_track_id lives in services.notify.base (the card kinds need it below the catalogue); it is
# re-exported because callers and tests know it here.
__all__ = ["finish_outbox_event", "out_track_id", "plan_deliveries"]


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
        handling = OUTBOX.get(event.kind)
        plan = handling.plan if handling else None
        cards = plan(session, event, policy) if plan else []
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
