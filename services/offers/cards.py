"""The offer's cards: HR owners' draft card (Send / Adjust / Hold, then its progress), the
recruiting managers' approval card (Approve / Send back; "decided by X" on every copy), and the
candidate's "您收到一份录用意向" with View.

Planners decide when the outbox row is handled; builders read the offer again at send time.
HR's card is one per offer and recipient (updated in place as the offer moves on); the
managers' card is one per approval round. services/notify/catalog.py names them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cards.builders import Card, fmt_time
from cards.links import safe_url
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import (
    candidate_recipient,
    hr_owner_recipients,
    recruiting_manager_recipients,
)
from services.offers import state as st
from storage.action_models import Delivery
from storage.models import Staff
from storage.offer_models import Offer
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_OFFER_APPROVAL_ANSWERED, OUTBOX_OFFER_SENT

VALUE_CHARS = 300
STATUS_LABELS = {
    "draft": "待发送",
    "held": "已暂缓",
    "pending_approval": "待招聘经理审批",
    "sent": "已发送，待候选人答复",
    "accepted": "候选人已接受",
    "declined": "候选人已拒绝",
    "expired": "已过期",
    "withdrawn": "已撤回",
}
APPROVAL_LABELS = {"approved": "已批准", "sent_back": "已退回修改"}


def _clip(value: object) -> str:
    return "" if value is None else str(value)[:VALUE_CHARS]


def _chain(session: Session, event: OutboxEvent | None) -> st.OfferChain | None:
    offer_id = str((event.payload or {}).get("offer_id") or "") if event else ""
    return st.load_chain(session, session.get(Offer, offer_id) if offer_id else None)


def hr_card_key(offer_id: str) -> str:
    return f"offer-{offer_id}"


def _approval_key(event: OutboxEvent) -> str:
    payload = event.payload or {}
    return f"offer-approval-{payload.get('offer_id')}-{payload.get('approval_round')}"


def _via_oa(chain: st.OfferChain) -> bool:
    """The approval runs as a DingTalk OA approval: the managers get no card of ours."""
    return chain.offer.basis.get(st.APPROVAL_VIA) == st.VIA_OA


def plan_offer_drafted(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """The HR owners' card with the numbers and their reasons."""
    chain = _chain(session, event)
    if chain is None:
        return []
    key = hr_card_key(chain.offer.id)
    return [
        PlannedCard("offer_draft_hr", r, key)
        for r in hr_owner_recipients(session, chain.position.id)
    ]


def plan_offer_progress(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """HR's cards show the new state; a sent offer reaches the candidate; an answered approval
    updates every manager's copy."""
    chain = _chain(session, event)
    if chain is None:
        return []
    key = hr_card_key(chain.offer.id)
    owners = hr_owner_recipients(session, chain.position.id)
    cards = [PlannedCard("offer_draft_hr", r, key, operation="update") for r in owners]
    if event.kind == OUTBOX_OFFER_SENT and chain.offer.status == "sent":
        version = (event.payload or {}).get("terms_version")
        cand_key = f"offer-cand-{chain.offer.id}-v{version}"
        cards.append(PlannedCard("offer_candidate", candidate_recipient(chain.candidate), cand_key))
    if event.kind == OUTBOX_OFFER_APPROVAL_ANSWERED and not _via_oa(chain):
        managers = recruiting_manager_recipients(session, chain.position)
        approval = _approval_key(event)
        cards += [
            PlannedCard("offer_approval_manager", r, approval, operation="update") for r in managers
        ]
    return cards


def plan_approval_requested(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """The department's recruiting managers are asked; HR's card says it waits."""
    chain = _chain(session, event)
    if chain is None:
        return []
    managers = [] if _via_oa(chain) else recruiting_manager_recipients(session, chain.position)
    cards = [PlannedCard("offer_approval_manager", r, _approval_key(event)) for r in managers]
    owners = hr_owner_recipients(session, chain.position.id)
    key = hr_card_key(chain.offer.id)
    return cards + [PlannedCard("offer_draft_hr", r, key, operation="update") for r in owners]


def offer_fields(chain: st.OfferChain, policy: NotifyPolicy) -> dict[str, str]:
    """What every offer card shows: who, which position, the numbers and why."""
    offer = chain.offer
    benefits = "；".join(f"{b.get('label')}：{b.get('value')}" for b in offer.benefits or [])
    return {
        "offer_id": offer.id,
        "application_id": offer.application_id,
        "candidate_name": _clip(chain.candidate.name),
        "position": _clip(chain.position.title),
        "score": f"{offer.basis.get('score', '')}",
        "salary": st.salary_text(offer) or "待 HR 填写",
        "salary_reason": _clip(offer.salary_reason),
        "start_date": offer.start_date.isoformat() if offer.start_date else "待 HR 填写",
        "benefits": _clip(benefits),
        "expires": fmt_time(offer.expires_at, policy.language)
        if offer.expires_at
        else f"发送后 {offer.validity_days} 天",
        "status": offer.status,
        "status_label": STATUS_LABELS.get(offer.status, offer.status),
    }


def _approval_text(session: Session, offer: Offer) -> str:
    """The managers' answer as HR's card shows it: who, what, and the note."""
    if offer.approval_state not in APPROVAL_LABELS:
        return ""
    by = session.get(Staff, offer.approval_by) if offer.approval_by else None
    text = f"{by.name if by else ''} {APPROVAL_LABELS[offer.approval_state]}".strip()
    return _clip(f"{text}：{offer.approval_note}" if offer.approval_note else text)


def build_offer_hr_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    chain = _chain(session, outbox_event_of(session, delivery))
    if chain is None:
        return None
    data = offer_fields(chain, policy)
    page = f"{policy.hr_report_url(chain.offer.application_id)}/offer"
    open_draft = chain.offer.status in ("draft", "held")
    data.update(
        approval=_approval_text(session, chain.offer),
        editor_url=safe_url(page, "", allow_http=policy.allow_http_links),
        decision="" if open_draft else chain.offer.status,
        decision_label="" if open_draft else data["status_label"],
        decided_by="",
    )
    return Card("offer_draft_hr", data)


def build_offer_candidate_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    chain = _chain(session, outbox_event_of(session, delivery))
    if chain is None or chain.offer.status not in st.CANDIDATE_VISIBLE:
        return None
    data = offer_fields(chain, policy)
    page = f"{policy.miniapp_url.rstrip('/')}/#/offers/{chain.offer.id}"
    data["offer_url"] = safe_url(page, "", allow_http=policy.allow_http_links)
    return Card("offer_candidate", data)


def plan_offer_reminder(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """The candidate's one reminder that the offer expires soon."""
    chain = _chain(session, event)
    if chain is None or chain.offer.status != "sent":
        return []
    key = f"offer-reminder-{chain.offer.id}-v{chain.offer.terms_version}"
    return [PlannedCard("offer_reminder", candidate_recipient(chain.candidate), key)]


def build_offer_reminder_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    chain = _chain(session, outbox_event_of(session, delivery))
    if chain is None or chain.offer.status != "sent":
        return None  # answered meanwhile: no reminder
    data = offer_fields(chain, policy)
    page = f"{policy.miniapp_url.rstrip('/')}/#/offers/{chain.offer.id}"
    data["offer_url"] = safe_url(page, "", allow_http=policy.allow_http_links)
    return Card("offer_reminder", data)


def build_approval_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    event = outbox_event_of(session, delivery)
    chain = _chain(session, event)
    if chain is None or event is None:
        return None
    offer = chain.offer
    band = st.band_of(chain.position)
    data = offer_fields(chain, policy)
    state = offer.approval_state if offer.approval_state in APPROVAL_LABELS else ""
    by = session.get(Staff, offer.approval_by) if offer.approval_by and state else None
    data.update(
        band=f"{band.min:,}–{band.max:,}" if band else "",
        approval_round=str((event.payload or {}).get("approval_round") or ""),
        decision=state,
        decision_label=APPROVAL_LABELS.get(state, ""),
        decided_by=by.name if by else "",
        note=_clip(offer.approval_note) if state else "",
    )
    return Card("offer_approval_manager", data)
