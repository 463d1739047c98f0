"""What an offer's outbox row tells the EHR, and what the EHR answered (contract v1.1:
`POST /applications/{id}/offers`, then `POST /offers/{id}/status`).

Database-only: jobs/offers.py makes the calls between `writes_for` and `record_ehr_answer`.
Each call's idempotency key is derived from the offer, its terms version and the status, so a
retried job, or the same status again, is one change in the EHR. A 409 reconciles: the EHR's
offer id is adopted, and its current status is recorded in the offer's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.offers import state as st
from storage.db import unit_of_work
from storage.offer_models import Offer, OfferEvent, OfferSignature
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_OFFER_ANSWERED, OUTBOX_OFFER_SENT


@dataclass(frozen=True)
class EhrWrite:
    """One call: `create` (the offer itself) or a status."""

    step: str  # create | sent | accepted | declined | expired
    idempotency_key: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OfferWrites:
    offer_id: str
    application_id: str
    ehr_offer_id: str | None
    writes: list[EhrWrite]


def _written(session: Session, offer_id: str) -> set[str]:
    rows = session.scalars(
        select(OfferEvent.data).where(
            OfferEvent.offer_id == offer_id, OfferEvent.kind.in_(("ehr_written", "ehr_conflict"))
        )
    )
    return {str(d.get("idempotency_key")) for d in rows}


def _create(offer: Offer, actor: str) -> EhrWrite:
    body = {
        "salary": {
            "amount": offer.salary_amount,
            "currency": offer.salary_currency,
            "period": offer.salary_period,
        },
        "start_date": offer.start_date.isoformat() if offer.start_date else None,
        "expires_at": offer.expires_at,
        "benefits": list(offer.benefits or []),
        "actor_staff_id": actor,
        "reason": offer.salary_reason,
    }
    return EhrWrite("create", f"offer:{offer.id}:create:v{offer.terms_version}", body)


def _signed_at(session: Session, offer: Offer) -> datetime | None:
    return session.scalar(
        select(OfferSignature.signed_at).where(
            OfferSignature.offer_id == offer.id,
            OfferSignature.terms_version == offer.terms_version,
        )
    )


def _approved(offer: Offer) -> bool:
    return offer.approval_state == "approved" and (
        offer.basis.get("approved_amount") == offer.salary_amount
    )


def _sending(offer: Offer, actor: str, version: int, done: set[str]) -> list[EhrWrite]:
    """Before `sent`: the EHR's offer of earlier terms withdrawn, this version created, and
    the manager's approval of its salary."""
    writes: list[EhrWrite] = []
    create = _create(offer, actor)
    if offer.ehr_offer_id and version > 1 and create.idempotency_key not in done:
        key = f"offer:{offer.id}:withdrawn:v{version - 1}"
        writes.append(EhrWrite("withdrawn", key, {"actor_id": actor, "signed_at": None}))
    writes.append(create)
    if _approved(offer):
        key = f"offer:{offer.id}:approved:v{version}"
        writes.append(EhrWrite("approved", key, {"actor_id": offer.approval_by, "signed_at": None}))
    return writes


def writes_for(session: Session, outbox_id: int) -> OfferWrites | None:
    """The EHR calls an offer outbox row still needs, in order (done ones left out)."""
    with unit_of_work(session):
        row = session.get(OutboxEvent, outbox_id)
        if row is None or row.kind not in (OUTBOX_OFFER_SENT, OUTBOX_OFFER_ANSWERED):
            return None
        payload = row.payload or {}
        offer = session.get(Offer, str(payload.get("offer_id")))
        if offer is None:
            return None
        version = int(payload.get("terms_version") or offer.terms_version)
        done = _written(session, offer.id)
        writes: list[EhrWrite] = []
        if row.kind == OUTBOX_OFFER_SENT:
            if version != offer.terms_version:  # superseded by a later sending
                return OfferWrites(offer.id, offer.application_id, offer.ehr_offer_id, [])
            writes += _sending(offer, str(payload.get("actor_staff_id") or ""), version, done)
            status, actor, signed = "sent", str(payload.get("actor_staff_id") or ""), None
        else:
            status, actor = str(payload.get("status")), str(payload.get("actor_id") or "system")
            signed = _signed_at(session, offer) if status == "accepted" else None
        body = {"actor_id": actor, "signed_at": signed}
        writes.append(EhrWrite(status, f"offer:{offer.id}:{status}:v{version}", body))
        todo = [w for w in writes if w.idempotency_key not in done]
        return OfferWrites(offer.id, offer.application_id, offer.ehr_offer_id, todo)


def record_ehr_answer(
    session: Session,
    offer_id: str,
    write: EhrWrite,
    *,
    answer: dict[str, Any] | None,
    conflict: bool,
    now: datetime,
) -> str | None:
    """Keep what the EHR answered (its offer id, its status); return the EHR's offer id."""
    with unit_of_work(session):
        offer = session.scalars(
            select(Offer)
            .where(Offer.id == offer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if offer is None:
            return None
        ehr_id = (answer or {}).get("id")
        if isinstance(ehr_id, str) and ehr_id and offer.ehr_offer_id != ehr_id:
            offer.ehr_offer_id = ehr_id
        st.record(
            session,
            offer,
            "ehr_conflict" if conflict else "ehr_written",
            actor="system",
            now=now,
            step=write.step,
            idempotency_key=write.idempotency_key,
            ehr_status=(answer or {}).get("status"),
        )
        return offer.ehr_offer_id
