"""The offer cards' buttons: HR's Send and Hold, the recruiting managers' Approve and Send back.

Database-only and fast, like every card click; the authorization is the card's (the clicker's
scope over the application, services/card_actions). A manager's answer is race-safe in
services/offers/approval.py; the answer shows on the pressed card at once and on every other
copy through the approval-answered outbox row.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.card_actions.click import CardActionResult, Click, label
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.offers import state as st
from services.offers.approval import answer_approval
from services.offers.cards import APPROVAL_LABELS, STATUS_LABELS
from services.offers.hr import hold_offer, send_offer
from storage.db import unit_of_work

MANAGER_ROLES = ("recruiting_manager", "admin")
SEND_BACK_NOTES = {"salary_too_high": "薪资过高", "salary_too_low": "薪资过低", "other": "其他"}


def _result(outcome: str, decision: str, text: str, name: str, lang: str) -> CardActionResult:
    data = {"decision": decision, "decision_label": text, "decided_by": name}
    key = {"done": "notice_done", "duplicate": "notice_duplicate"}.get(outcome, "notice_already")
    notice = label(key, lang).format(label=text, name=name)
    return CardActionResult(outcome, data, {"notice": notice}, notice)


def _refused(session: Session, click: Click, exc: Conflict) -> CardActionResult:
    session.rollback()
    with unit_of_work(session):
        offer = st.offer_of_application(session, click.application_id)
        status = offer.status if offer else ""
    text = STATUS_LABELS.get(status, exc.message)
    return _result("already_decided", status, text, "", click.lang)


INCOMPLETE = {
    "zh": "请先点「调整」填写入职日期（和薪资）再发送",
    "en": "Use Adjust to set the start date (and salary) first",
}


def send_on_card(session: Session, click: Click) -> CardActionResult:
    """Send: the offer goes out, or to the recruiting managers when outside the band."""
    try:
        chain = send_offer(session, click.viewer, click.application_id, now=click.now)
    except Conflict as exc:
        return _refused(session, click, exc)
    except InvalidInput:  # no start date (or salary) yet: the card stays, the clicker is told
        session.rollback()
        text = INCOMPLETE["en" if click.lang == "en" else "zh"]
        return CardActionResult("refused", {}, {"notice": text}, text)
    status = chain.offer.status
    return _result("done", status, STATUS_LABELS[status], click.staff.name, click.lang)


def hold_on_card(session: Session, click: Click) -> CardActionResult:
    try:
        chain = hold_offer(session, click.viewer, click.application_id, now=click.now)
    except Conflict as exc:
        return _refused(session, click, exc)
    status = chain.offer.status
    return _result("done", status, STATUS_LABELS[status], click.staff.name, click.lang)


def _answer(session: Session, click: Click, answer: str) -> CardActionResult:
    if click.staff.role not in MANAGER_ROLES:
        raise Forbidden("approvals are for recruiting managers", code="manager_only")
    with unit_of_work(session):
        offer = st.offer_of_application(session, click.application_id)
        if offer is None:
            raise NotFound("the application has no offer")
        offer_id = offer.id
    note = SEND_BACK_NOTES.get(click.params.get("note") or "") if answer == "sent_back" else None
    result = answer_approval(session, offer_id, click.staff, answer, note=note, now=click.now)
    text = APPROVAL_LABELS[result.answer]
    return _result(result.outcome, result.answer, text, result.decided_by, click.lang)


def approve_on_card(session: Session, click: Click) -> CardActionResult:
    return _answer(session, click, "approved")


def send_back_on_card(session: Session, click: Click) -> CardActionResult:
    return _answer(session, click, "sent_back")
