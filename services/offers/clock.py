"""The offer's clock: the candidate's one reminder 24 h before expiry (inside working hours),
and expiry itself (the EHR and HR's card hear it). One unit of work per sweep; each outbox row
has its dedupe key, so a sweep run twice sends nothing twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.clock.quiet_hours import WorkingHours, is_quiet
from services.offers import state as st
from services.offers.answer import answered
from storage.db import unit_of_work
from storage.offer_models import Offer
from storage.vocabulary import OUTBOX_OFFER_REMINDER

log = logging.getLogger(__name__)
REMIND_BEFORE = timedelta(hours=24)


@dataclass(frozen=True)
class OfferClockAction:
    offer_id: str
    action: str  # expired | reminded | held (quiet hours)


def sweep_offers(
    session: Session, *, now: datetime, hours: WorkingHours | None, limit: int = 500
) -> list[OfferClockAction]:
    """Expire sent offers past their expiry; remind the candidate of those within 24 h (when
    `hours` is given: outside them the reminder waits for the next sweep inside them)."""
    actions: list[OfferClockAction] = []
    with unit_of_work(session):
        due = session.scalars(
            select(Offer)
            .where(Offer.status == "sent", Offer.expires_at <= now + REMIND_BEFORE)
            .order_by(Offer.expires_at, Offer.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).all()
        quiet = hours is None or is_quiet(now, hours)
        for offer in due:
            if offer.expires_at is not None and offer.expires_at <= now:
                answered(session, offer, "expired", "system", now)
                st.record(session, offer, "expired", actor="system", now=now)
                actions.append(OfferClockAction(offer.id, "expired"))
            elif quiet:
                actions.append(OfferClockAction(offer.id, "held"))
            else:
                key = f"offer.reminder:{offer.id}:v{offer.terms_version}"
                if st.outbox(session, offer, OUTBOX_OFFER_REMINDER, key, now):
                    actions.append(OfferClockAction(offer.id, "reminded"))
    done = [a for a in actions if a.action != "held"]
    if done:
        log.info("offer sweep", extra={"ctx": {"count": len(done)}})
    return actions


def expire_offers(session: Session, *, now: datetime) -> list[str]:
    """Only the expiry: the ids of the offers that expired."""
    actions = sweep_offers(session, now=now, hours=None)
    return [a.offer_id for a in actions if a.action == "expired"]
