"""The approval as a DingTalk OA approval (`OFFER_APPROVAL_PROCESS_CODE` set) instead of the
recruiting managers' cards.

The job (jobs/offer_approvals.py) asks here what to start for an approval request: the HR who
asked to send is the originator, the form holds the offer's numbers and their reasons. The
started instance's id is kept in the offer's `basis` (`oa_instance_id`, with `approval_via`
`dingtalk_oa`, which also keeps the managers' cards from going out). The result, read from
GetProcessInstance after DingTalk's `bpms_instance_change` event or by the offer sweep's
polling, is answered through `services.offers.approval.decide`: the same first-answer-wins path
as the cards. Nothing here calls DingTalk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.errors import NotFound
from services.offers import state as st
from services.offers.approval import ApprovalAnswer, Decider, decide
from services.offers.salary import money
from services.offers.state import APPROVAL_VIA, OA_INSTANCE, VIA_CARDS, VIA_OA
from storage.db import unit_of_work
from storage.models import Staff
from storage.offer_models import Offer

# GetProcessInstance's finished statuses and results (assumed values, docs/offers.md).
FINISHED, TERMINATED = "COMPLETED", "TERMINATED"
ANSWER_OF_RESULT = {"agree": "approved", "refuse": "sent_back"}
MAX_VALUE = 1000


@dataclass(frozen=True)
class OaRequest:
    """What to start: who asks (their DingTalk userid) and the form's (name, value) pairs."""

    offer_id: str
    approval_round: int
    originator_user_id: str | None
    form: list[tuple[str, str]]


def _pending(offer: Offer, approval_round: int) -> bool:
    asked = int(offer.basis.get("approval_round") or 0)
    return offer.approval_state == "pending" and asked == approval_round


def approval_form(chain: st.OfferChain) -> list[tuple[str, str]]:
    """The offer's numbers and their reasons, as the OA form's text fields."""
    offer = chain.offer
    band = st.band_of(chain.position)
    benefits = "；".join(f"{b.get('label')}：{b.get('value')}" for b in offer.benefits or [])
    fields = [
        ("候选人", chain.candidate.name),
        ("岗位", chain.position.title),
        ("薪资", st.salary_text(offer)),
        ("岗位薪资带", f"{money(band.min)}–{money(band.max)}" if band else "未设置"),
        ("综合分", str(offer.basis.get("score", ""))),
        ("薪资说明", offer.salary_reason or ""),
        ("入职日期", offer.start_date.isoformat() if offer.start_date else ""),
        ("福利", benefits),
        ("有效期", f"发送后 {offer.validity_days} 天"),
        ("审批原因", "薪资超出岗位薪资带"),
    ]
    return [(name, (value or "—")[:MAX_VALUE]) for name, value in fields]


def oa_request(session: Session, offer_id: str, approval_round: int) -> OaRequest | None:
    """The approval to start, or None when that request no longer waits or already has its
    instance (a retried job starts nothing twice)."""
    with unit_of_work(session):
        chain = st.load_chain(session, session.get(Offer, offer_id))
        if chain is None or not _pending(chain.offer, approval_round):
            return None
        if chain.offer.basis.get(APPROVAL_VIA):
            return None
        requester = session.get(Staff, str(chain.offer.basis.get("send_requested_by") or ""))
        user_id = requester.dingtalk_user_id if requester is not None else None
        return OaRequest(offer_id, approval_round, user_id, approval_form(chain))


def _locked(session: Session, offer_id: str) -> Offer | None:
    return session.scalars(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def record_route(
    session: Session,
    offer_id: str,
    approval_round: int,
    *,
    instance_id: str | None,
    now: datetime,
    reason: str | None = None,
) -> bool:
    """Keep how the request is approved: the OA instance, or (without one) the managers' cards,
    with the reason in the history. False when the request no longer waits."""
    with unit_of_work(session):
        offer = _locked(session, offer_id)
        if offer is None or not _pending(offer, approval_round) or offer.basis.get(APPROVAL_VIA):
            return False
        if instance_id:
            offer.basis = {**offer.basis, APPROVAL_VIA: VIA_OA, OA_INSTANCE: instance_id}
            st.record(session, offer, "approval_oa_started", actor="system", now=now)
        else:
            offer.basis = {**offer.basis, APPROVAL_VIA: VIA_CARDS}
            st.record(session, offer, "approval_oa_failed", actor="system", now=now, note=reason)
        return True


def pending_instances(session: Session, *, limit: int = 100) -> list[str]:
    """The OA instances of offers still waiting for their approval (for the sweep's polling)."""
    with unit_of_work(session):
        offers = session.scalars(
            select(Offer)
            .where(Offer.status == "pending_approval", Offer.approval_state == "pending")
            .order_by(Offer.updated_at)
        ).all()
        found = [str(o.basis.get(OA_INSTANCE)) for o in offers if o.basis.get(OA_INSTANCE)]
        return found[:limit]


def _offer_of_instance(session: Session, instance_id: str) -> str | None:
    """The offer whose approval ran as this instance (answered already or not)."""
    with unit_of_work(session):
        rows = session.execute(
            select(Offer.id, Offer.basis).where(Offer.approval_state.is_not(None))
        ).all()
    return next((i for i, b in rows if (b or {}).get(OA_INSTANCE) == instance_id), None)


def _decider(session: Session, user_id: str | None) -> Decider:
    staff = (
        session.scalars(select(Staff).where(Staff.dingtalk_user_id == user_id)).first()
        if user_id
        else None
    )
    if staff is not None:
        return Decider(staff.id, staff.name)
    return Decider(f"dingtalk:{(user_id or 'oa')[:60]}", user_id or "钉钉审批")


def answer_from_oa(
    session: Session,
    instance_id: str,
    *,
    status: str,
    result: str,
    approver_user_id: str | None,
    remark: str | None,
    now: datetime,
) -> ApprovalAnswer | None:
    """Answer the offer's approval from its finished OA instance: agree approves, refuse or a
    terminated (withdrawn) instance sends it back. None while it runs; NotFound when no offer
    waits for this instance."""
    if status == FINISHED and result in ANSWER_OF_RESULT:
        answer, note = ANSWER_OF_RESULT[result], remark
    elif status == TERMINATED:
        answer, note = "sent_back", remark or "审批已撤销"
    else:
        return None
    offer_id = _offer_of_instance(session, instance_id)
    if offer_id is None:
        raise NotFound("no offer waits for this approval instance")
    by = _decider(session, approver_user_id)
    note = (note or "").strip()[:MAX_VALUE] or None
    return decide(session, offer_id, by, answer, note=note, now=now, oa_instance_id=instance_id)
