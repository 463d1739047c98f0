"""What a card kind gives the pipeline: a planner, a content builder, and the card's stable id.

A planner reads an outbox event when its job runs and says which card goes to whom; a content
builder reads the cache again at send time and returns the card, or None when its cause is gone.
services/notify/catalog.py names the planner of every outbox kind and the builder of every card.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cards.builders import Card
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient
from storage.action_models import Delivery
from storage.sync_models import OutboxEvent


@dataclass(frozen=True)
class PlannedCard:
    purpose: str  # a key of catalog.CARDS; also the delivery's template name
    recipient: Recipient
    card_key: str  # one card per key and recipient: the outTrackId derives from both
    # "update": push new data into an existing card (e.g. a decision shown on every HR copy)
    operation: str = "create"
    # The exact card to update when it is known (a sibling copy), instead of deriving it.
    track_id: str | None = None


Planner = Callable[[Session, OutboxEvent, NotifyPolicy], list[PlannedCard]]
Content = Callable[[Session, Delivery, NotifyPolicy], Card | None]


def out_track_id(card_key: str, recipient: Recipient) -> str:
    """Deterministic card id per (cause, recipient); DingTalk allows letters, digits, - and _."""
    raw = f"mi-{card_key}-{recipient.kind}-{recipient.id}"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in raw)
    if len(safe) <= 96 and safe == raw:
        return safe
    return "mi-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def outbox_event_of(session: Session, delivery: Delivery) -> OutboxEvent | None:
    """The outbox event a delivery was planned for, if it is still there."""
    return session.get(OutboxEvent, delivery.outbox_id) if delivery.outbox_id else None
