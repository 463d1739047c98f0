"""The candidate's buttons on the round card (Confirm / Ask for another time) and HR's "Keep
the time" on the request card.

Database-only and fast, like every card click. The candidate's answer is one row per round,
schedule version and answer (unique), so a double click is one answer; asking for another
time writes OUTBOX_RESCHEDULE_REQUESTED once per schedule (its dedupe key), whose planner sends
HR the note. The note is the choice of the button's select input (DingTalk cards carry a
select, not free text).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.card_actions.click import CardActionResult, Click, outbox_once, param
from services.invitations.state import card_of
from services.rounds import state as st
from storage.db import unit_of_work
from storage.models import Candidate, Interview
from storage.round_models import RoundResponse
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_RESCHEDULE_REQUESTED

ROUND_CARD = "round_scheduled"
DONE, NOT_FOUND, CLOSED = "done", "not_found", "closed"
NOTES = {
    "conflict": "时间冲突",
    "earlier": "希望提前",
    "later": "希望延后",
    "other": "其他原因",
}
TEXT = {
    "zh": {"done_confirmed": "已确认参加", "done_reschedule_requested": "已告知 HR，请等待新时间",
           "closed": "该面试已变更或取消", "kept": "保持原时间"},
    "en": {"done_confirmed": "Confirmed", "done_reschedule_requested": "HR has been told",
           "closed": "This round has changed or was cancelled", "kept": "Keep the time"},
}  # fmt: skip


def _t(key: str, lang: str) -> str:
    return TEXT.get(lang, TEXT["zh"])[key]


def _closed(lang: str) -> CardActionResult:
    text = _t("closed", lang)
    return CardActionResult("refused", {}, {"notice": text}, text)


def _card_round(session: Session, out_track_id: str, user_id: str) -> tuple[str, str] | None:
    """(interview id, candidate id) behind the pressed round card, if `user_id` is its
    candidate."""
    card = card_of(session, out_track_id, ROUND_CARD)
    event = session.get(OutboxEvent, card.outbox_id) if card and card.outbox_id else None
    candidate = session.get(Candidate, card.recipient_id) if card else None
    if event is None or candidate is None or card is None or card.recipient_kind != "candidate":
        return None
    if candidate.effective_dingtalk_user_id != user_id:
        return None  # someone else's card: answered as closed, never revealed
    return str((event.payload or {}).get("interview_id") or event.entity_id), candidate.id


def answer_round(
    session: Session, *, candidate_id: str, interview_id: str, response: str,
    note: str | None, now: datetime,
) -> str:  # fmt: skip
    """Record the candidate's answer to the round's current schedule (from the card or the
    mini-app): "done" (said twice, one row), "not_found" (not their round), or "closed" (no
    longer scheduled)."""
    try:
        with unit_of_work(session):
            session.execute(
                select(Interview.id).where(Interview.id == interview_id).with_for_update()
            )
            chain = st.load_round(session, interview_id)
            if chain is None or chain.candidate.id != candidate_id:
                return NOT_FOUND
            if chain.interview.status != "scheduled":
                return CLOSED
            version = st.round_version(chain.interview)
            session.add(
                RoundResponse(
                    interview_id=chain.interview.id,
                    schedule_version=version,
                    response=response,
                    note=note,
                    candidate_id=chain.candidate.id,
                    created_at=now,
                )
            )
            session.flush()
            if response == st.RESCHEDULE_REQUESTED:
                _request_row(session, chain, version, note, now)
    except IntegrityError:
        session.rollback()  # the same answer to this schedule: one row, said again
    return DONE


def _answer(
    session: Session, *, out_track_id: str, user_id: str, response: str, note: str | None,
    now: datetime, lang: str,
) -> CardActionResult:  # fmt: skip
    with unit_of_work(session):
        found = _card_round(session, out_track_id, user_id)
    if found is None:
        return _closed(lang)
    interview_id, candidate_id = found
    if answer_round(
        session, candidate_id=candidate_id, interview_id=interview_id, response=response,
        note=note, now=now,
    ) != DONE:  # fmt: skip
        return _closed(lang)
    text = _t(f"done_{response}", lang)
    return CardActionResult("done", {"response": response, "response_label": text}, {}, text)


def _request_row(
    session: Session, chain: st.RoundChain, version: str, note: str | None, now: datetime
) -> None:
    interview, application = chain.interview, chain.application
    row = OutboxEvent(
        kind=OUTBOX_RESCHEDULE_REQUESTED,
        entity_kind="interview",
        entity_id=interview.id,
        entity_version=interview.version,
        created_at=now,
        payload={
            "interview_id": interview.id,
            "application_id": application.id,
            "candidate_id": application.candidate_id,
            "position_id": application.position_id,
            "schedule_version": version,
            "note": note,
        },
    )
    outbox_once(session, f"round-reschedule:{interview.id}:{version}", row)


def confirm_round(
    session: Session, *, out_track_id: str, user_id: str, params: dict[str, Any],
    now: datetime, lang: str,
) -> CardActionResult:  # fmt: skip
    """The candidate confirmed the round's current schedule."""
    return _answer(
        session, out_track_id=out_track_id, user_id=user_id, response=st.CONFIRMED,
        note=None, now=now, lang=lang,
    )  # fmt: skip


def ask_another_time(
    session: Session, *, out_track_id: str, user_id: str, params: dict[str, Any],
    now: datetime, lang: str,
) -> CardActionResult:  # fmt: skip
    """The candidate asks for another time, with the note they chose."""
    choice = param(params, "note") or "other"
    note = NOTES.get(choice, NOTES["other"])
    return _answer(
        session, out_track_id=out_track_id, user_id=user_id, response=st.RESCHEDULE_REQUESTED,
        note=note, now=now, lang=lang,
    )  # fmt: skip


def keep_round_time(session: Session, click: Click) -> CardActionResult:
    """HR keeps the time: the card says who decided (the candidate keeps the round card)."""
    session.rollback()  # nothing to write: the round stays as it is
    data = {"decision": "kept", "decision_label": _t("kept", click.lang)}
    data["decided_by"] = click.staff.name
    return CardActionResult("done", data, {"notice": data["decision_label"]}, "kept")
