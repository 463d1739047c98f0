"""What one delivery sends (read at send time, from the cache as it is now) and its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.builders import Card
from services.ehr.local_changes import set_candidate_link
from services.notify.catalog import CARDS
from services.notify.policy import NotifyPolicy
from services.ops import metrics
from storage.action_models import Delivery
from storage.db import unit_of_work
from storage.models import Candidate


@dataclass(frozen=True)
class DeliveryWork:
    delivery_id: int
    channel: str
    operation: str
    out_track_id: str
    template: str
    recipient_kind: str
    recipient_id: str
    user_id: str | None
    candidate_mobile: str | None  # for a DingTalk lookup when the EHR gave no user id
    card: Card
    title: str


def build_delivery(
    session: Session, delivery_id: int, *, policy: NotifyPolicy
) -> DeliveryWork | None:
    """What to send for a delivery now, or None when it was sent or its cause is gone."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.state in ("sent", "undeliverable"):
        return None
    kind = CARDS.get(delivery.purpose)
    card = kind.build(session, delivery, policy) if kind else None
    if kind is None or card is None:
        return None
    operation = delivery.operation
    if operation == "create" and session.scalar(
        select(Delivery.id)
        .where(
            Delivery.out_track_id == delivery.out_track_id,
            Delivery.operation == "create",
            Delivery.state == "sent",
            Delivery.id != delivery.id,
        )
        .limit(1)
    ):
        operation = "update"  # an earlier push created the card meanwhile
    user_id, mobile = delivery.dingtalk_user_id, None
    if delivery.recipient_kind == "candidate":
        candidate = session.get(Candidate, delivery.recipient_id)
        if candidate is not None:
            user_id = user_id or candidate.effective_dingtalk_user_id
            mobile = candidate.mobile
    return DeliveryWork(
        delivery_id=delivery.id,
        channel=delivery.channel,
        operation=operation,
        out_track_id=delivery.out_track_id,
        template=card.template,
        recipient_kind=delivery.recipient_kind,
        recipient_id=delivery.recipient_id,
        user_id=user_id,
        candidate_mobile=mobile,
        card=card,
        title=kind.title,
    )


def record_attempt(session: Session, delivery_id: int) -> None:
    """Count an attempt before calling DingTalk, so a killed worker leaves a visible trace."""
    with unit_of_work(session):
        delivery = session.get(Delivery, delivery_id)
        if delivery is not None:
            delivery.attempts += 1


def record_outcome(
    session: Session,
    delivery_id: int,
    state: str,
    *,
    error: str | None = None,
    user_id: str | None = None,
    channel: str | None = None,
    external_id: str | None = None,
) -> None:
    """Record what happened to one delivery (sent, throttled, failed, undeliverable)."""
    with unit_of_work(session):
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return
        delivery.state = state
        delivery.last_error = error
        delivery.dingtalk_user_id = user_id or delivery.dingtalk_user_id
        delivery.channel = channel or delivery.channel
        delivery.external_id = external_id or delivery.external_id
    metrics.delivery_recorded(delivery.purpose, delivery.channel, state)


def link_candidate_user(
    session: Session, candidate_id: str, user_id: str, *, now: datetime, how: str
) -> None:
    """Remember a candidate's DingTalk user id found by us, with a history record saying how."""
    with unit_of_work(session):
        candidate = session.get(Candidate, candidate_id)
        if candidate is not None:
            set_candidate_link(session, candidate, user_id, now=now, reason=how)
