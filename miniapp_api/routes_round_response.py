"""The candidate answers a scheduled round from the H5 page: Confirm, or Ask for another time
with a note (the same answer the round card's buttons record, in free text here)."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import Field

from miniapp_api import context as c
from miniapp_api.schemas import Model
from miniapp_api.spec import endpoint
from services.access.visibility import require_candidate
from services.errors import Conflict, NotFound
from services.rounds import actions
from services.rounds import state as st
from web_context import db_session

bp = Blueprint("round_response", __name__)


class RoundResponseRequest(Model):
    response: Literal["confirmed", "reschedule_requested"]
    # Why another time suits better; HR reads it on the request card.
    note: str | None = Field(default=None, max_length=500)


class RoundResponseOut(Model):
    interview_id: str
    response: Literal["confirmed", "reschedule_requested"]


@endpoint(
    bp,
    "POST",
    "/me/interviews/{interview_id}/round-response",
    summary="Confirm my round, or ask for another time; said twice, recorded once",
    response=RoundResponseOut,
    body=RoundResponseRequest,
    errors=(409,),
)
def round_response(interview_id: str, body: RoundResponseRequest) -> RoundResponseOut:
    candidate_id = require_candidate(c.viewer())
    note = (body.note or "").strip() or None
    if body.response == st.CONFIRMED:
        note = None
    outcome = actions.answer_round(
        db_session(),
        candidate_id=candidate_id,
        interview_id=interview_id,
        response=body.response,
        note=note,
        now=c.now(),
    )
    if outcome == actions.NOT_FOUND:
        raise NotFound(f"interview {interview_id} not found")
    if outcome == actions.CLOSED:
        raise Conflict("this round has changed or was cancelled", code="round_closed")
    return RoundResponseOut(interview_id=interview_id, response=body.response)
