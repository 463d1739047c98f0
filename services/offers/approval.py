"""A recruiting manager's answer to an out-of-band salary: Approve (the offer goes out) or
Send back with a note (HR edits it). The first answer wins: the offer row is locked
(PostgreSQL `FOR UPDATE`), so of two managers answering at once the second waits, then finds
the answer and is told who gave it; every copy of the card is then updated to say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.errors import NotFound
from services.offers import state as st
from services.offers.hr import mark_sent
from storage.db import unit_of_work
from storage.models import Staff
from storage.offer_models import Offer
from storage.vocabulary import OUTBOX_OFFER_APPROVAL_ANSWERED

ANSWERS = ("approved", "sent_back")


@dataclass(frozen=True)
class ApprovalAnswer:
    outcome: str  # done | duplicate | already_decided
    answer: str  # approved | sent_back
    decided_by: str  # the deciding manager's name


def _name(session: Session, staff_id: str | None) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    if staff is not None:
        return staff.name
    return (staff_id or "").removeprefix("dingtalk:")


def answer_approval(
    session: Session, offer_id: str, manager: Staff, answer: str, *, note: str | None, now: datetime
) -> ApprovalAnswer:
    """Record the manager's answer unless another came first; one unit of work."""
    return decide(session, offer_id, Decider(manager.id, manager.name), answer, note=note, now=now)


@dataclass(frozen=True)
class Decider:
    """Who answers: a staff id (or `dingtalk:<userid>` for an OA approver we do not know)."""

    id: str
    name: str


def decide(
    session: Session,
    offer_id: str,
    by: Decider,
    answer: str,
    *,
    note: str | None,
    now: datetime,
    oa_instance_id: str | None = None,
) -> ApprovalAnswer:
    """The one way an approval is answered (cards and DingTalk OA): the offer row is locked, the
    first answer wins. With `oa_instance_id`, only the instance of the current request counts
    (an instance of an earlier round, or of a request HR withdrew by editing, is NotFound)."""
    if answer not in ANSWERS:
        raise ValueError(answer)
    with unit_of_work(session):
        offer = session.scalars(
            select(Offer)
            .where(Offer.id == offer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        chain = st.load_chain(session, offer)
        if chain is None:
            raise NotFound("the card names no offer")
        offer = chain.offer
        if oa_instance_id is not None and offer.basis.get(st.OA_INSTANCE) != oa_instance_id:
            raise NotFound("the approval instance is not the offer's current one")
        if offer.approval_state in ANSWERS:
            mine = offer.approval_by == by.id and offer.approval_state == answer
            outcome = "duplicate" if mine else "already_decided"
            return ApprovalAnswer(
                outcome, offer.approval_state or "", _name(session, offer.approval_by)
            )
        if offer.approval_state != "pending":
            raise NotFound("the offer waits for no approval")
        _record_answer(session, chain, by, answer, note=note, now=now)
        return ApprovalAnswer("done", answer, by.name)


def _record_answer(
    session: Session,
    chain: st.OfferChain,
    by: Decider,
    answer: str,
    *,
    note: str | None,
    now: datetime,
) -> None:
    offer = chain.offer
    offer.approval_state, offer.approval_by, offer.approval_at = answer, by.id, now
    offer.approval_note = note
    asked = offer.basis.get("approval_round") or 0
    st.record(session, offer, f"approval_{answer}", actor=by.id, now=now, note=note)
    st.outbox(
        session,
        offer,
        OUTBOX_OFFER_APPROVAL_ANSWERED,
        f"offer.approval_answered:{offer.id}:{asked}",
        now,
        approval_round=asked,
        answer=answer,
    )
    if answer == "approved":
        offer.basis = {
            **offer.basis,
            "approved_amount": offer.salary_amount,
            "approved_terms": st.approval_terms(offer),
        }
        requester = str(offer.basis.get("send_requested_by") or by.id)
        mark_sent(session, chain, actor=requester, now=now)
    else:
        offer.status, offer.updated_at = "draft", now
