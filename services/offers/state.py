"""An offer with what it belongs to, its terms as the candidate sees them, and their hash.

The terms' SHA-256 is over a canonical JSON of exactly what the offer page shows (position,
salary, start date, benefits, expiry, version): the candidate's acceptance names it, so a change
of terms after sending makes the old acceptance link fail.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.offers.salary import PERIOD_LABELS, SalaryBand, money, parse_band
from storage.models import Application, Candidate, Position
from storage.offer_models import Offer, OfferEvent
from storage.sync_models import OutboxEvent

# What the candidate can see: a draft, a held offer or one waiting for approval is HR's only.
CANDIDATE_VISIBLE = ("sent", "accepted", "declined", "expired")
# What HR may still change and send.
EDITABLE = ("draft", "held", "pending_approval", "sent", "accepted")
ANSWERED = ("accepted", "declined", "expired")
CHINA = ZoneInfo("Asia/Shanghai")
# The `basis` keys of an approval request: how it is approved (`dingtalk_oa` | `cards`) and
# the DingTalk OA instance (services/offers/oa_approval.py); cleared by each new request.
APPROVAL_VIA, OA_INSTANCE = "approval_via", "oa_instance_id"
VIA_OA, VIA_CARDS = "dingtalk_oa", "cards"


class Benefit(BaseModel):
    """`position.benefits` item of the contract v1.1."""

    model_config = ConfigDict(extra="ignore")

    key: str = Field(min_length=1, max_length=64)
    label: str = Field(max_length=200)
    value: str = Field(max_length=500)


def parse_benefits(value: Any) -> list[dict[str, str]]:
    """The position's benefits (kept in its `extra`); invalid items are left out."""
    items: list[dict[str, str]] = []
    for item in value if isinstance(value, list) else []:
        try:
            items.append(Benefit.model_validate(item).model_dump())
        except ValidationError:
            continue
    return items[:50]


def band_of(position: Position | None) -> SalaryBand | None:
    return parse_band((position.extra or {}).get("salary_band")) if position else None


def new_offer_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class OfferChain:
    offer: Offer
    application: Application
    candidate: Candidate
    position: Position


def load_chain(session: Session, offer: Offer | None) -> OfferChain | None:
    if offer is None:
        return None
    application = session.get(Application, offer.application_id)
    candidate = session.get(Candidate, offer.candidate_id)
    position = session.get(Position, offer.position_id)
    if application is None or candidate is None or position is None:
        return None
    return OfferChain(offer, application, candidate, position)


# A locked read refreshes the row in the session (expire_on_commit is off): a second clicker,
# let through after the first commits, must see the first's answer, not the copy it loaded.
def offer_of_application(
    session: Session, application_id: str, *, lock: bool = False
) -> Offer | None:
    query = select(Offer).where(Offer.application_id == application_id)
    return session.scalars(
        query.with_for_update().execution_options(populate_existing=True) if lock else query
    ).first()


def salary_text(offer: Offer) -> str:
    if offer.salary_amount is None:
        return ""
    period = PERIOD_LABELS.get(offer.salary_period, offer.salary_period)
    return f"{period} {money(offer.salary_amount)} {offer.salary_currency}"


def terms_of(offer: Offer, position: Position) -> dict[str, Any]:
    """Exactly what the candidate is shown and accepts."""
    return {
        "offer_id": offer.id,
        "terms_version": offer.terms_version,
        "position": position.title,
        "salary": {
            "amount": offer.salary_amount,
            "currency": offer.salary_currency,
            "period": offer.salary_period,
        },
        "start_date": offer.start_date.isoformat() if offer.start_date else None,
        "benefits": list(offer.benefits or []),
        "expires_at": offer.expires_at.isoformat() if offer.expires_at else None,
    }


def offer_letter(chain: OfferChain) -> str:
    """The offer document the candidate reads: every term of `terms_of`, as a letter (derived
    from the terms alone, so the terms' hash covers it)."""
    offer = chain.offer
    benefits = "\n".join(f"  · {b.get('label')}：{b.get('value')}" for b in offer.benefits or [])
    expires = (
        offer.expires_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if offer.expires_at else "—"
    )
    lines = [
        "录用意向书",
        "",
        f"{chain.candidate.name}：",
        f"感谢你参加「{chain.position.title}」岗位的面试。我们很高兴向你发出录用意向，条件如下：",
        f"  · 岗位：{chain.position.title}",
        f"  · 薪资：{salary_text(offer) or '—'}",
        f"  · 入职日期：{offer.start_date.isoformat() if offer.start_date else '—'}",
        "  · 福利：" + ("\n" + benefits if benefits else "—"),
        f"请在 {expires}（北京时间）前答复；逾期本录用意向失效。",
        f"（第 {offer.terms_version} 版）",
    ]
    return "\n".join(lines)


def approval_terms(offer: Offer) -> dict[str, Any]:
    """The terms an approval covers: a later change to any of them needs approval again."""
    return {
        "salary": offer.salary_amount,
        "benefits": list(offer.benefits or []),
        "validity_days": offer.validity_days,
    }


def changed_marked_terms(offer: Offer) -> list[str]:
    """The drafted terms HR changed that the policy marks as needing approval."""
    drafted = offer.basis.get("drafted") or {}
    current = approval_terms(offer)
    marked = offer.basis.get("approval_on_change") or []
    return [name for name in marked if name in drafted and drafted[name] != current[name]]


def terms_hash(terms: dict[str, Any]) -> str:
    canonical = json.dumps(terms, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    offer: Offer,
    kind: str,
    *,
    actor: str | None,
    now: datetime,
    note: str | None = None,
    **data: Any,
) -> None:
    """One line of the offer's history."""
    session.add(
        OfferEvent(offer_id=offer.id, kind=kind, actor=actor, note=note, data=data, created_at=now)
    )


def outbox(
    session: Session, offer: Offer, kind: str, key: str, now: datetime, **extra: Any
) -> bool:
    """The offer's outbox row under `key`, once; ids only in the payload."""
    if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == key)):
        return False
    session.add(
        OutboxEvent(
            kind=kind,
            entity_kind="offer",
            entity_id=offer.id,
            entity_version=offer.terms_version,
            dedupe_key=key,
            created_at=now,
            payload={
                "offer_id": offer.id,
                "application_id": offer.application_id,
                "candidate_id": offer.candidate_id,
                "position_id": offer.position_id,
                "terms_version": offer.terms_version,
                **extra,
            },
        )
    )
    return True
