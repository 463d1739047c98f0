"""The candidate's side of the offer: their offers, Accept (click-signed) and Decline, and the
clock's expiry. Each is one unit of work; another candidate's offer is NotFound (404).

Acceptance names the SHA-256 of the terms the page showed: when HR changed the terms since, the
hash no longer matches and the acceptance is refused (the page must be reloaded). The signature
records the candidate, the time, the client address, the user agent and that hash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, require_candidate
from services.errors import Conflict, NotFound
from services.offers import state as st
from storage.db import unit_of_work
from storage.offer_models import Offer, OfferSignature
from storage.vocabulary import OUTBOX_OFFER_ANSWERED

MAX_REASON = 1000


def my_offers(session: Session, viewer: Viewer) -> list[st.OfferChain]:
    """The viewer's offers that were sent to them, newest first."""
    candidate_id = require_candidate(viewer)
    with unit_of_work(session):
        offers = session.scalars(
            select(Offer)
            .where(Offer.candidate_id == candidate_id, Offer.status.in_(st.CANDIDATE_VISIBLE))
            .order_by(Offer.sent_at.desc(), Offer.id)
        ).all()
        return [c for o in offers if (c := st.load_chain(session, o)) is not None]


def _mine(session: Session, viewer: Viewer, offer_id: str, *, lock: bool) -> st.OfferChain:
    candidate_id = require_candidate(viewer)
    query = select(Offer).where(Offer.id == offer_id[:32], Offer.candidate_id == candidate_id)
    offer = session.scalars(
        query.with_for_update().execution_options(populate_existing=True) if lock else query
    ).first()
    chain = st.load_chain(session, offer)
    if chain is None or chain.offer.status not in st.CANDIDATE_VISIBLE:
        raise NotFound(f"offer {offer_id[:64]} not found")
    return chain


def my_offer(session: Session, viewer: Viewer, offer_id: str) -> st.OfferChain:
    with unit_of_work(session):
        return _mine(session, viewer, offer_id, lock=False)


def _open(chain: st.OfferChain, now: datetime) -> None:
    offer = chain.offer
    if offer.status != "sent":
        raise Conflict(f"the offer is already {offer.status}", code=f"offer_{offer.status}")
    if offer.expires_at is not None and now >= offer.expires_at:
        raise Conflict("the offer has expired", code="offer_expired")


def open_for_answer(
    session: Session, viewer: Viewer, offer_id: str, *, terms_sha256: str, now: datetime
) -> st.OfferChain:
    """The viewer's sent offer, locked, still open, with the terms they were shown (inside the
    caller's unit of work)."""
    chain = _mine(session, viewer, offer_id, lock=True)
    _open(chain, now)
    if terms_sha256 != chain.offer.terms_sha256:
        raise Conflict("the terms changed since they were shown", code="terms_changed")
    return chain


def answered(session: Session, offer: Offer, status: str, actor: str, now: datetime) -> None:
    offer.status, offer.responded_at, offer.updated_at = status, now, now
    key = f"offer.answered:{offer.id}:v{offer.terms_version}"
    st.outbox(session, offer, OUTBOX_OFFER_ANSWERED, key, now, status=status, actor_id=actor)


def accept_offer(
    session: Session,
    viewer: Viewer,
    offer_id: str,
    *,
    terms_sha256: str,
    client_address: str | None,
    user_agent: str | None,
    now: datetime,
) -> tuple[st.OfferChain, OfferSignature]:
    """Accept the terms shown (their hash); the signature is the record of it."""
    with unit_of_work(session):
        chain = open_for_answer(session, viewer, offer_id, terms_sha256=terms_sha256, now=now)
        offer = chain.offer
        signature = OfferSignature(
            offer_id=offer.id,
            candidate_id=offer.candidate_id,
            terms_version=offer.terms_version,
            terms_sha256=terms_sha256,
            method="click",
            client_address=(client_address or "")[:64] or None,
            user_agent=(user_agent or "")[:1000] or None,
            signed_at=now,
            valid=True,
        )
        session.add(signature)
        actor = f"candidate:{offer.candidate_id}"
        answered(session, offer, "accepted", actor, now)
        st.record(session, offer, "accepted", actor=actor, now=now, terms_sha256=terms_sha256)
        return chain, signature


def decline_offer(
    session: Session, viewer: Viewer, offer_id: str, *, reason: str | None, now: datetime
) -> st.OfferChain:
    """Decline, with an optional reason."""
    with unit_of_work(session):
        chain = _mine(session, viewer, offer_id, lock=True)
        _open(chain, now)
        offer = chain.offer
        offer.decline_reason = (reason or "").strip()[:MAX_REASON] or None
        actor = f"candidate:{offer.candidate_id}"
        answered(session, offer, "declined", actor, now)
        st.record(session, offer, "declined", actor=actor, now=now, note=offer.decline_reason)
        return chain
