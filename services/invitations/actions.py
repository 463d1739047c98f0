"""The buttons of the invitation's cards: the candidate's "I need more time", HR's answers.

Database-only and fast, like every card click (DingTalk waits 2 s). Race safety: each click
locks the interview row (PostgreSQL `FOR UPDATE`), so of two clicks at once the second waits
and then sees the first; the outbox rows' unique dedupe keys stay the last line of defence. A
double click is one request; HR's first answer wins and a later click on any copy is told who
answered. "Extend 24 h" is the existing extend path (services/card_actions/followups), which
changes the deadline, records it and writes the extension back to the EHR.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cards.builders import decision_update
from services.card_actions.click import CardActionResult, Click, label, outbox_once, staff_name
from services.card_actions.followups import _extend
from services.clock.reminders import schedule_version
from services.errors import Conflict, NotFound
from services.invitations import state as st
from services.invitations import text
from storage.db import unit_of_work
from storage.models import Candidate, Interview
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    NOT_ATTENDED_STATUSES,
    OUTBOX_DEADLINE_KEPT,
    OUTBOX_MORE_TIME_REQUESTED,
)


def _lock_interview(session: Session, interview_id: str) -> None:
    session.execute(select(Interview.id).where(Interview.id == interview_id).with_for_update())


def _candidate_answer(
    outcome: str, notice_key: str, lang: str, *, requested: bool
) -> CardActionResult:
    notice = text.label(notice_key, lang)
    data = {"more_time": st.REQUESTED, "more_time_label": text.label(st.REQUESTED, lang)}
    return CardActionResult(outcome, data if requested else {}, {"notice": notice}, notice)


def _requested_chain(session: Session, out_track_id: str, user_id: str) -> st.InvitationChain:
    """The invitation behind the pressed card, if `user_id` is the candidate it was sent to."""
    card = st.card_of(session, out_track_id, st.INVITATION)
    candidate = session.get(Candidate, card.recipient_id) if card else None
    event = session.get(OutboxEvent, card.outbox_id) if card and card.outbox_id else None
    if card is None or candidate is None or event is None:
        raise NotFound("the card is no invitation")
    if card.recipient_kind != "candidate" or candidate.effective_dingtalk_user_id != user_id:
        raise NotFound("the invitation is someone else's")  # 404 outside scope, never 403
    interview_id = str((event.payload or {}).get("interview_id") or event.entity_id)
    _lock_interview(session, interview_id)
    chain = st.load_invitation(session, interview_id, awaiting=False)
    if chain is None or chain.interview.status not in NOT_ATTENDED_STATUSES:
        raise Conflict("the interview is over", code="interview_closed")
    return chain


def _request_row(chain: st.InvitationChain, out_track_id: str, now: datetime) -> OutboxEvent:
    interview, application = chain.interview, chain.application
    return OutboxEvent(
        kind=OUTBOX_MORE_TIME_REQUESTED,
        entity_kind="interview",
        entity_id=interview.id,
        entity_version=interview.version,
        created_at=now,
        payload={
            "interview_id": interview.id,
            "application_id": application.id,
            "candidate_id": application.candidate_id,
            "position_id": application.position_id,
            "deadline_at": interview.deadline_at.isoformat() if interview.deadline_at else None,
            "source_out_track_id": out_track_id,
        },
    )


def request_more_time(
    session: Session,
    *,
    out_track_id: str,
    user_id: str,
    params: dict[str, Any],
    now: datetime,
    lang: str,
) -> CardActionResult:
    """The candidate pressed "I need more time": one request per schedule of the interview."""
    try:
        with unit_of_work(session):
            chain = _requested_chain(session, out_track_id, user_id)
            # A new deadline is a new schedule version: the candidate may ask again then.
            key = f"more-time:{chain.interview.id}:{schedule_version(chain.interview)}"
            added = outbox_once(session, key, _request_row(chain, out_track_id, now))
    except IntegrityError:  # a concurrent click inserted the same key first: one request
        return _candidate_answer("duplicate", "notice_already_requested", lang, requested=True)
    except NotFound:
        return _candidate_answer("not_permitted", "notice_closed", lang, requested=False)
    except Conflict:
        return _candidate_answer("refused", "notice_closed", lang, requested=False)
    if added:
        return _candidate_answer("done", "notice_requested", lang, requested=True)
    return _candidate_answer("duplicate", "notice_already_requested", lang, requested=True)


def _answered(session: Session, click: Click, answer: st.Answer, choice: str) -> CardActionResult:
    """Tell the clicker what was answered already, and by whom."""
    who = staff_name(session, answer.actor_staff_id, "HR")
    if answer.choice == st.EXTENDED:
        data = decision_update("extend", who, lang=click.lang)
    else:
        data = {"decision": st.KEPT, "decision_label": text.label("kept", click.lang)}
        data["decided_by"] = who
    mine = answer.source_out_track_id == click.out_track_id and answer.choice == choice
    outcome = "duplicate" if mine else "already_decided"
    key = "notice_duplicate" if mine else "notice_already"
    notice = label(key, click.lang).format(label=data["decision_label"], name=who)
    return CardActionResult(outcome, data, {"notice": notice}, notice)


def _request_of(session: Session, click: Click) -> OutboxEvent:
    card = st.card_of(session, click.out_track_id, st.MORE_TIME_HR)
    request = session.get(OutboxEvent, card.outbox_id) if card and card.outbox_id else None
    if request is None or request.entity_id != click.interview_id:
        raise NotFound("the card is no request for more time")
    _lock_interview(session, request.entity_id)
    return request


def extend_on_request(session: Session, click: Click) -> CardActionResult:
    """HR pressed "Extend 24 h" on the request's card: the extend path, unless answered."""
    request = _request_of(session, click)
    answer = st.answer_of(session, request)
    if answer is not None:
        session.rollback()
        return _answered(session, click, answer, st.EXTENDED)
    # The extend path commits, which releases the lock taken above.
    return _extend(session, replace(click, params={**click.params, "hours": st.EXTEND_HOURS}))


def keep_on_request(session: Session, click: Click) -> CardActionResult:
    """HR pressed "Keep the deadline": the candidate is told, every copy shows who answered."""
    with unit_of_work(session):
        request = _request_of(session, click)
        answer = st.answer_of(session, request)
        if answer is not None:
            return _answered(session, click, answer, st.KEPT)
        outbox_once(
            session,
            st.kept_key(request.id),
            OutboxEvent(
                kind=OUTBOX_DEADLINE_KEPT,
                entity_kind="interview",
                entity_id=request.entity_id,
                entity_version=request.entity_version,
                created_at=click.now,
                payload={
                    "interview_id": request.entity_id,
                    "application_id": click.application_id,
                    "actor_staff_id": click.staff.id,
                    "request_id": request.id,
                    # Every other copy of the pressed card is updated to say who answered.
                    "source_out_track_id": click.out_track_id,
                },
            ),
        )
    data = {"decision": st.KEPT, "decision_label": text.label("kept", click.lang)}
    data["decided_by"] = click.staff.name
    notice = label("notice_done", click.lang).format(label=data["decision_label"])
    return CardActionResult("done", data, {"notice": notice}, notice)
