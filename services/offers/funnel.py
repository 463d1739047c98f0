"""The offer funnel of a position, for its statistics: drafted, sent, accepted, declined,
expired, and the acceptance rate (accepted of those sent). One grouped count on the offer
table's position index."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.offer_models import Offer

# Every offer the candidate received, whatever came of it (a re-sent draft counts once).
REACHED = ("sent", "accepted", "declined", "expired")


@dataclass(frozen=True)
class OfferFunnel:
    drafted: int
    sent: int
    accepted: int
    declined: int
    expired: int
    acceptance_rate: float | None  # accepted / sent; None before anything was sent


def offer_funnel(session: Session, position_id: str) -> OfferFunnel:
    rows = session.execute(
        select(Offer.status, func.count())
        .where(Offer.position_id == position_id)
        .group_by(Offer.status)
    ).all()
    counts = {str(status): int(n) for status, n in rows}
    sent = sum(counts.get(s, 0) for s in REACHED)
    accepted = counts.get("accepted", 0)
    return OfferFunnel(
        drafted=sum(counts.values()),
        sent=sent,
        accepted=accepted,
        declined=counts.get("declined", 0),
        expired=counts.get("expired", 0),
        acceptance_rate=round(accepted / sent, 4) if sent else None,
    )
