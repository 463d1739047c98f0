"""Request and response shapes of the offer endpoints (miniapp_api/routes_offers.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from miniapp_api.schemas import Model
from services.offers import state as st
from services.offers.salary import outside_band
from storage.offer_models import OfferEvent, OfferSignature

Status = Literal[
    "draft", "held", "pending_approval", "sent", "accepted", "declined", "expired", "withdrawn"
]


class BenefitIn(Model):
    key: str = Field(min_length=1, max_length=64)
    label: str = Field(max_length=200)
    value: str = Field(max_length=500)


class Salary(Model):
    amount: int | None = Field(description="None: the position has no band and HR has not set it")
    currency: str
    period: Literal["month", "year"]
    text: str = Field(description='e.g. "月薪 10,000 CNY"')


class OfferTerms(Model):
    """What the candidate sees and accepts; `terms_sha256` is over exactly these."""

    offer_id: str
    status: Status
    position: str
    salary: Salary
    start_date: date | None
    benefits: list[BenefitIn]
    expires_at: datetime | None
    terms_version: int
    terms_sha256: str | None = Field(description="name it when accepting")
    responded_at: datetime | None
    decline_reason: str | None
    letter: str = Field(description="the offer document: these terms as a letter")


class MyOffers(Model):
    items: list[OfferTerms]


class HistoryItem(Model):
    kind: str
    actor: str | None
    note: str | None
    data: dict[str, Any]
    created_at: datetime


class SignatureOut(Model):
    candidate_id: str
    terms_version: int
    terms_sha256: str
    method: str = Field(description="click | dingtalk_esign")
    esign_flow_id: str | None = Field(default=None, description="the e-signature flow signed")
    client_address: str | None
    user_agent: str | None
    signed_at: datetime
    valid: bool = Field(description="false once the terms changed after it")


class HrOffer(OfferTerms):
    application_id: str
    candidate_name: str
    salary_reason: str = Field(description='"岗位薪资带 8,000–10,000，综合分 90 → 10,000"')
    basis: dict[str, Any] = Field(description="score, band, rule and policy behind the salary")
    band: dict[str, Any] | None
    outside_band: bool
    validity_days: int
    approval_state: Literal["pending", "approved", "sent_back"] | None
    approval_by: str | None
    approval_note: str | None
    ehr_offer_id: str | None
    history: list[HistoryItem]
    signatures: list[SignatureOut]


class OfferEdit(Model):
    """HR's changes; fields left out stay as they are."""

    salary_amount: int | None = Field(default=None, ge=0, le=100_000_000)
    salary_reason: str | None = Field(default=None, max_length=500)
    start_date: date | None = None
    benefits: list[BenefitIn] | None = Field(default=None, max_length=50)
    validity_days: int | None = Field(default=None, ge=1, le=90)


class AcceptRequest(Model):
    terms_sha256: str = Field(min_length=64, max_length=64, description="from the offer shown")
    confirm: Literal[True] = Field(description="the explicit confirmation of click signing")


class DeclineRequest(Model):
    reason: str | None = Field(default=None, max_length=1000)


class AcceptOut(Model):
    offer: OfferTerms
    signature: SignatureOut | None = Field(
        description="the click signature; null with OFFER_SIGNING=dingtalk_esign until signed"
    )
    sign_url: str | None = Field(
        default=None,
        description="OFFER_SIGNING=dingtalk_esign: the DingTalk e-signature page to open",
    )


def terms_out(chain: st.OfferChain) -> OfferTerms:
    offer = chain.offer
    salary = Salary(
        amount=offer.salary_amount,
        currency=offer.salary_currency,
        period=offer.salary_period,
        text=st.salary_text(offer),
    )
    return OfferTerms(
        offer_id=offer.id,
        status=offer.status,
        position=chain.position.title,
        salary=salary,
        start_date=offer.start_date,
        benefits=[BenefitIn.model_validate(b) for b in offer.benefits or []],
        expires_at=offer.expires_at,
        terms_version=offer.terms_version,
        terms_sha256=offer.terms_sha256,
        responded_at=offer.responded_at,
        decline_reason=offer.decline_reason,
        letter=st.offer_letter(chain),
    )


def hr_out(
    chain: st.OfferChain, events: list[OfferEvent], signatures: list[OfferSignature]
) -> HrOffer:
    offer, band = chain.offer, st.band_of(chain.position)
    return HrOffer(
        **terms_out(chain).model_dump(),
        application_id=offer.application_id,
        candidate_name=chain.candidate.name,
        salary_reason=offer.salary_reason,
        basis=offer.basis,
        band=band.model_dump() if band else None,
        outside_band=outside_band(offer.salary_amount, band),
        validity_days=offer.validity_days,
        approval_state=offer.approval_state,
        approval_by=offer.approval_by,
        approval_note=offer.approval_note,
        ehr_offer_id=offer.ehr_offer_id,
        history=[HistoryItem.model_validate(e) for e in events],
        signatures=[SignatureOut.model_validate(s) for s in signatures],
    )
