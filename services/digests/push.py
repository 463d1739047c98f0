"""Sending digest cards: which are due, and one push of one digest as a delivery.

A push is claimed in one unit of work (the digest row locked, its `next_push_at` cleared), so two
workers never send the same push; the push is an ordinary delivery (purpose score_digest_hr,
the digest's outTrackId), created the first time and updated in place afterwards, sent by the
same job code as every card. A push that could not be sent is scheduled again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.digests.record import PUSH_INTERVAL
from services.notify.policy import NotifyPolicy
from storage.action_models import Delivery
from storage.attention_models import ScoreDigest
from storage.db import unit_of_work
from storage.models import Staff

DIGEST_PURPOSE = "score_digest_hr"
DUE_BATCH = 200


def due_digest_ids(session: Session, *, now: datetime, limit: int = DUE_BATCH) -> list[int]:
    ids = list(
        session.scalars(
            select(ScoreDigest.id)
            .where(ScoreDigest.next_push_at <= now)
            .order_by(ScoreDigest.next_push_at)
            .limit(limit)
        )
    )
    session.rollback()
    return ids


def claim_push(
    session: Session, digest_id: int, *, now: datetime, policy: NotifyPolicy
) -> int | None:
    """Claim the digest's due push and record it as a delivery; None when not due (any more)."""
    with unit_of_work(session):
        digest = session.scalars(
            select(ScoreDigest).where(ScoreDigest.id == digest_id).with_for_update()
        ).first()
        if digest is None or digest.next_push_at is None or digest.next_push_at > now:
            return None
        digest.next_push_at = None
        staff = session.get(Staff, digest.staff_id)
        if staff is None or staff.deleted:
            return None
        created = session.scalar(
            select(Delivery.id)
            .where(
                Delivery.out_track_id == digest.out_track_id,
                Delivery.operation == "create",
                Delivery.state == "sent",
            )
            .limit(1)
        )
        digest.pushes += 1
        digest.last_pushed_at = now
        delivery = Delivery(
            outbox_id=None,
            application_id=None,
            purpose=DIGEST_PURPOSE,
            recipient_kind="staff",
            recipient_id=staff.id,
            dingtalk_user_id=staff.dingtalk_user_id,
            channel=policy.channel,
            out_track_id=digest.out_track_id,
            operation="update" if created else "create",
            dedupe_key=f"digest-{digest.id}-push-{digest.pushes}",
            template=DIGEST_PURPOSE,
            state="queued",
            attempts=0,
        )
        session.add(delivery)
        session.flush()
        return delivery.id


def push_again_later(session: Session, digest_id: int, *, now: datetime) -> None:
    """A push failed with a retryable error: try again after the push interval."""
    with unit_of_work(session):
        digest = session.get(ScoreDigest, digest_id)
        if digest is not None and digest.next_push_at is None:
            digest.next_push_at = now + PUSH_INTERVAL


def push_now(session: Session, digest: ScoreDigest, *, now: datetime) -> None:
    """Inside the caller's unit of work: the card shows a change at the next push, at once."""
    digest.next_push_at = now
