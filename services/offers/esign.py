"""Acceptance signed with DingTalk's e-signature (`OFFER_SIGNING=dingtalk_esign`).

The candidate's Accept (naming the hash of the terms shown, as with click signing) opens a
signing flow for the offer letter of exactly those terms; the flow's id is kept in the offer's
`basis` (`esign_flow`: task id and terms version), one flow per version of the terms (a second
Accept reuses it). The candidate signs at the URL the flow gives; the flow's end, read by the
offer sweep (GetSignDetail) or when the candidate comes back, is answered here:

* completed: the offer is accepted, the signature record names the flow (`esign_flow_id`,
  method `dingtalk_esign`) and the hash of the terms signed;
* refused (the candidate refused to sign): the offer is declined ("拒签");
* revoked or expired: the flow is dropped; the candidate may press Accept again.

A flow of an earlier version of the terms (HR changed them since) counts for nothing. Nothing
here calls DingTalk (jobs/offer_signing.py does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer
from services.errors import Conflict
from services.notify.recipients import hr_owner_recipients
from services.offers import state as st
from services.offers.answer import answered, open_for_answer
from storage.db import unit_of_work
from storage.offer_models import Offer, OfferSignature

ESIGN_FLOW = "esign_flow"
METHOD = "dingtalk_esign"
# GetSignDetail's flowStatus values (e签宝's, assumed; docs/offers.md).
COMPLETED, REVOKED, EXPIRED, REFUSED = 2, 3, 5, 7
REFUSED_REASON = "候选人在电子签中拒签"


@dataclass(frozen=True)
class SigningStart:
    """What the job needs to open (or reopen) the candidate's flow."""

    chain: st.OfferChain
    task_id: str | None  # the flow already opened for these terms
    letter: str
    mobile: str
    initiator_user_id: str  # an HR owner of the position (DingTalk userid): the flow's initiator


def _flow(offer: Offer) -> dict[str, object]:
    flow = offer.basis.get(ESIGN_FLOW)
    return flow if isinstance(flow, dict) else {}


def begin_signing(
    session: Session, viewer: Viewer, offer_id: str, *, terms_sha256: str, now: datetime
) -> SigningStart:
    """The candidate's Accept: their open offer with the terms shown, and its flow if any."""
    with unit_of_work(session):
        chain = open_for_answer(session, viewer, offer_id, terms_sha256=terms_sha256, now=now)
        mobile = chain.candidate.mobile
        if not mobile:
            raise Conflict("e-signature needs the candidate's mobile", code="esign_unavailable")
        owners = hr_owner_recipients(session, chain.position.id)
        initiator = next((r.dingtalk_user_id for r in owners if r.dingtalk_user_id), None)
        if not initiator:
            raise Conflict("e-signature needs an HR owner in DingTalk", code="esign_unavailable")
        flow = _flow(chain.offer)
        task = (
            flow.get("task_id") if flow.get("terms_version") == chain.offer.terms_version else None
        )
        letter = st.offer_letter(chain)
        return SigningStart(chain, str(task) if task else None, letter, mobile, initiator)


def record_flow(
    session: Session, offer_id: str, terms_version: int, task_id: str, *, now: datetime
) -> str:
    """Keep the flow opened for this version of the terms; the flow kept (a concurrent Accept
    may have kept its own first: that one is used)."""
    with unit_of_work(session):
        offer = session.scalars(
            select(Offer)
            .where(Offer.id == offer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        flow = _flow(offer)
        if flow.get("terms_version") == terms_version and flow.get("task_id"):
            return str(flow["task_id"])
        offer.basis = {
            **offer.basis,
            ESIGN_FLOW: {"task_id": task_id, "terms_version": terms_version},
        }
        st.record(session, offer, "esign_started", actor=f"candidate:{offer.candidate_id}", now=now)
        return task_id


def signing_flows(session: Session, *, limit: int = 100) -> list[str]:
    """The flows of sent offers, for the sweep's polling."""
    with unit_of_work(session):
        offers = session.scalars(select(Offer).where(Offer.status == "sent")).all()
        found = [str(f["task_id"]) for o in offers if (f := _flow(o)).get("task_id")]
        return found[:limit]


def _offer_of_flow(session: Session, task_id: str) -> Offer | None:
    rows = session.execute(select(Offer.id, Offer.basis).where(Offer.status == "sent")).all()
    offer_id = next((i for i, b in rows if _flow_of(b).get("task_id") == task_id), None)
    if offer_id is None:
        return None
    return session.scalars(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _flow_of(basis: object) -> dict[str, object]:
    flow = basis.get(ESIGN_FLOW) if isinstance(basis, dict) else None
    return flow if isinstance(flow, dict) else {}


def _accept(session: Session, offer: Offer, task_id: str, now: datetime) -> None:
    session.add(
        OfferSignature(
            offer_id=offer.id,
            candidate_id=offer.candidate_id,
            terms_version=offer.terms_version,
            terms_sha256=offer.terms_sha256 or "",
            method=METHOD,
            esign_flow_id=task_id[:64],
            signed_at=now,
            valid=True,
        )
    )
    actor = f"candidate:{offer.candidate_id}"
    answered(session, offer, "accepted", actor, now)
    st.record(session, offer, "accepted", actor=actor, now=now, esign_flow_id=task_id[:64])


def finish_signing(session: Session, task_id: str, flow_status: int, *, now: datetime) -> str:
    """Answer the offer from its flow's status: accepted | declined | dropped | signing |
    unknown (no sent offer has this flow) | stale (a flow of earlier terms)."""
    with unit_of_work(session):
        offer = _offer_of_flow(session, task_id)
        if offer is None:
            return "unknown"
        if _flow(offer).get("terms_version") != offer.terms_version:
            offer.basis = {k: v for k, v in offer.basis.items() if k != ESIGN_FLOW}
            return "stale"  # signed or not, those terms are no longer the offer's
        actor = f"candidate:{offer.candidate_id}"
        if flow_status == COMPLETED:
            _accept(session, offer, task_id, now)
            return "accepted"
        if flow_status == REFUSED:
            offer.decline_reason = REFUSED_REASON
            answered(session, offer, "declined", actor, now)
            st.record(session, offer, "declined", actor=actor, now=now, note=REFUSED_REASON)
            return "declined"
        if flow_status in (REVOKED, EXPIRED):
            offer.basis = {k: v for k, v in offer.basis.items() if k != ESIGN_FLOW}
            st.record(session, offer, "esign_ended", actor="system", now=now, status=flow_status)
            return "dropped"
        return "signing"
