"""HR's side of the offer: read it with its history, edit the draft, hold it, send it.

Every function is one unit of work and authorizes through the application (404 outside the
viewer's positions). Sending a salary outside the position's band, when the policy says so,
asks the department's recruiting managers first (services/offers/approval.py); otherwise the
offer is sent: its terms get a new version and hash, it expires after the policy's validity,
and a job writes it to the EHR and then sends the candidate's card.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer
from services.errors import Conflict, InvalidInput, NotFound
from services.offers import state as st
from services.offers.salary import outside_band
from storage.db import unit_of_work
from storage.offer_models import Offer, OfferEvent, OfferSignature
from storage.vocabulary import OUTBOX_OFFER_APPROVAL_REQUESTED, OUTBOX_OFFER_SENT

EDIT_FIELDS = ("salary_amount", "start_date", "benefits", "validity_days", "salary_reason")


def _offer_for_hr(
    session: Session, viewer: Viewer, application_id: str, *, lock: bool
) -> st.OfferChain:
    get_application_for_viewer(session, viewer, application_id)  # scope, else NotFound
    chain = st.load_chain(session, st.offer_of_application(session, application_id, lock=lock))
    if chain is None:
        raise NotFound(f"application {application_id} has no offer")
    return chain


def history_of(session: Session, offer: Offer) -> tuple[list[OfferEvent], list[OfferSignature]]:
    events = session.scalars(
        select(OfferEvent).where(OfferEvent.offer_id == offer.id).order_by(OfferEvent.id)
    ).all()
    signatures = session.scalars(
        select(OfferSignature)
        .where(OfferSignature.offer_id == offer.id)
        .order_by(OfferSignature.id)
    ).all()
    return list(events), list(signatures)


def get_offer(session: Session, viewer: Viewer, application_id: str) -> st.OfferChain:
    """The application's offer as HR sees it (404 without one, or outside scope)."""
    with unit_of_work(session):
        return _offer_for_hr(session, viewer, application_id, lock=False)


def _apply_edits(offer: Offer, changes: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name in EDIT_FIELDS:
        if name in changes and changes[name] != getattr(offer, name):
            value = changes[name]
            setattr(offer, name, value)
            changed[name] = value.isoformat() if isinstance(value, date) else value
    return changed


def update_offer(
    session: Session, viewer: Viewer, application_id: str, changes: dict[str, Any], *, now: datetime
) -> st.OfferChain:
    """HR's edits of the draft. A sent or accepted offer whose terms change goes back to a draft
    that must be sent again: the old acceptance link and any signature stop counting."""
    with unit_of_work(session):
        chain = _offer_for_hr(session, viewer, application_id, lock=True)
        offer = chain.offer
        if offer.status not in st.EDITABLE:
            raise Conflict(f"the offer is {offer.status}", code="offer_closed")
        if "salary_amount" in changes and "salary_reason" not in changes:
            changes = {**changes, "salary_reason": "HR 调整薪资"}
        changed = _apply_edits(offer, changes)
        if not changed:
            return chain
        if "salary_amount" in changed and offer.approval_state is not None:
            offer.approval_state = None  # an approval was for the old amount
        if offer.status in ("sent", "accepted"):
            _void_sent_terms(session, offer)
        elif offer.status == "pending_approval":
            offer.status = "draft"
        offer.updated_at = now
        st.record(session, offer, "edited", actor=viewer.staff_id, now=now, **changed)
        return chain


def _void_sent_terms(session: Session, offer: Offer) -> None:
    for signature in session.scalars(
        select(OfferSignature).where(OfferSignature.offer_id == offer.id, OfferSignature.valid)
    ):
        signature.valid = False
    offer.status, offer.terms_sha256, offer.responded_at = "draft", None, None


def hold_offer(
    session: Session, viewer: Viewer, application_id: str, *, now: datetime
) -> st.OfferChain:
    """Put the draft aside; editing or sending takes it up again."""
    with unit_of_work(session):
        chain = _offer_for_hr(session, viewer, application_id, lock=True)
        if chain.offer.status not in ("draft", "held"):
            raise Conflict(f"the offer is {chain.offer.status}", code="offer_not_draft")
        if chain.offer.status == "draft":
            chain.offer.status, chain.offer.updated_at = "held", now
            st.record(session, chain.offer, "held", actor=viewer.staff_id, now=now)
        return chain


def send_offer(
    session: Session, viewer: Viewer, application_id: str, *, now: datetime
) -> st.OfferChain:
    """Send the offer, or ask for approval first when its salary is outside the band."""
    with unit_of_work(session):
        chain = _offer_for_hr(session, viewer, application_id, lock=True)
        offer = chain.offer
        if offer.status == "pending_approval":
            raise Conflict(
                "the offer waits for a recruiting manager", code="offer_pending_approval"
            )
        if offer.status not in ("draft", "held"):
            raise Conflict(f"the offer is already {offer.status}", code="offer_already_sent")
        missing = [n for n in ("salary_amount", "start_date") if getattr(offer, n) is None]
        if missing:
            raise InvalidInput("the offer needs " + ", ".join(missing), code="offer_incomplete")
        if _needs_approval(chain):
            _ask_approval(session, offer, viewer.staff_id or "", now)
        else:
            mark_sent(session, chain, actor=viewer.staff_id or "", now=now)
        return chain


def _needs_approval(chain: st.OfferChain) -> bool:
    """A salary outside the band (when the policy says so), or a change to a drafted term the
    policy marks, needs a recruiting manager, unless these very terms were approved."""
    offer = chain.offer
    outside = bool(offer.basis.get("approval_outside_band", True)) and outside_band(
        offer.salary_amount, st.band_of(chain.position)
    )
    if not outside and not st.changed_marked_terms(offer):
        return False
    if offer.approval_state != "approved":
        return True
    approved = offer.basis.get("approved_terms")
    if approved is None:  # approved before approvals covered every term: the amount alone
        return offer.basis.get("approved_amount") != offer.salary_amount
    return bool(approved != st.approval_terms(offer))


def _ask_approval(session: Session, offer: Offer, actor: str, now: datetime) -> None:
    asked = int(offer.basis.get("approval_round") or 0) + 1
    basis = {k: v for k, v in offer.basis.items() if k not in (st.APPROVAL_VIA, st.OA_INSTANCE)}
    offer.basis = {**basis, "approval_round": asked, "send_requested_by": actor}
    offer.status, offer.approval_state, offer.updated_at = "pending_approval", "pending", now
    offer.approval_by, offer.approval_at, offer.approval_note = None, None, None
    st.record(
        session,
        offer,
        "approval_requested",
        actor=actor,
        now=now,
        amount=offer.salary_amount,
        changed=st.changed_marked_terms(offer),
    )
    key = f"offer.approval:{offer.id}:{asked}"
    st.outbox(session, offer, OUTBOX_OFFER_APPROVAL_REQUESTED, key, now, approval_round=asked)


def mark_sent(session: Session, chain: st.OfferChain, *, actor: str, now: datetime) -> None:
    """A new version of the terms goes to the candidate (inside the caller's unit of work)."""
    offer = chain.offer
    offer.terms_version += 1
    offer.status, offer.sent_at, offer.updated_at = "sent", now, now
    offer.expires_at = now + timedelta(days=offer.validity_days)
    offer.responded_at, offer.decline_reason = None, None
    offer.terms_sha256 = st.terms_hash(st.terms_of(offer, chain.position))
    st.record(session, offer, "sent", actor=actor, now=now, terms_version=offer.terms_version)
    key = f"offer.sent:{offer.id}:v{offer.terms_version}"
    st.outbox(session, offer, OUTBOX_OFFER_SENT, key, now, actor_staff_id=actor)
