"""What a candidate sees of a round after the AI interview (video or onsite): its time, place or
link, the interviewers' names, and their own answer to the current schedule; a cancelled round
with its reason. Never an interviewer's feedback: nothing here reads the feedback table.

The columns join the candidate views' one statement (`round_columns`): the interviewers' names
and the candidate's answers come as correlated JSON subqueries, not a query per row. The
answer that counts is the latest one to the round's current schedule version, which is a hash
computed in Python (services/rounds/state.py), so the subquery returns the interview's few
answers and the version is compared here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, select

from cards.links import safe_url
from services.rounds import state as st
from services.views.candidate_steps import Labelled, labelled
from storage.models import Interview, InterviewInterviewer, Staff
from storage.round_models import RoundResponse
from storage.sql import json_rows

_I = Interview.__table__
_L = InterviewInterviewer.__table__
_ST = Staff.__table__
_RR = RoundResponse.__table__


@dataclass(frozen=True)
class RoundDetails:
    duration_minutes: int
    ends_at: datetime | None
    location: str | None
    # Only a link the cards would also show (cards.links.safe_url); None once cancelled.
    meeting_url: str | None
    upcoming: bool
    # The candidate's answer to the current schedule, while the round is upcoming.
    confirmation: Labelled | None
    cancel_reason: str | None
    interviewer_names: list[str]


def round_columns() -> tuple[ColumnElement[Any], ...]:
    """The interview's round columns and the two subqueries, for `candidate_interview_rows`."""
    names = (
        select(json_rows(_ST.c.id, _ST.c.name))
        .select_from(_L.join(_ST, _ST.c.id == _L.c.staff_id))
        .where(_L.c.interview_id == _I.c.id, _ST.c.deleted.is_(false()))
        .scalar_subquery()
    )
    answers = (
        select(json_rows(_RR.c.id, _RR.c.schedule_version, _RR.c.response))
        .where(_RR.c.interview_id == _I.c.id)
        .scalar_subquery()
    )
    return (
        _I.c.duration_minutes,
        _I.c.location,
        _I.c.meeting_url,
        _I.c.cancel_reason,
        names.label("staff_names"),
        answers.label("round_answers"),
    )


def _confirmation(row: Any, lang: str) -> Labelled | None:
    answers = row.round_answers or ()
    if not answers:
        return None
    # A transient Interview: round_version reads only these four fields.
    version = st.round_version(
        Interview(
            scheduled_at=row.scheduled_at,
            duration_minutes=row.duration_minutes,
            location=row.location,
            meeting_url=row.meeting_url,
        )
    )
    current = [(answer_id, response) for answer_id, v, response in answers if v == version]
    return labelled(max(current)[1], lang) if current else None


def _names(row: Any) -> list[str]:
    # The EHR's own names first (what it wants shown); an EHR that sends only interviewer_ids
    # gets the cached staff names, in id order (the link table keeps no order).
    if row.interviewer_names:
        return list(row.interviewer_names)
    return [name for _, name in sorted(row.staff_names or ())]


def round_details(row: Any, *, lang: str, now: datetime, allow_http: bool) -> RoundDetails | None:
    """The round part of a candidate's interview row, or None for an AI interview."""
    if row.kind not in st.ROUND_KINDS:
        return None
    minutes = row.duration_minutes or st.DEFAULT_MINUTES
    start = row.scheduled_at
    ends_at = start + timedelta(minutes=minutes) if start is not None else None
    cancelled = row.status == "cancelled"
    upcoming = row.status == "scheduled" and ends_at is not None and ends_at > now
    link = safe_url(row.meeting_url, allow_http=allow_http) if not cancelled else ""
    return RoundDetails(
        duration_minutes=minutes,
        ends_at=ends_at,
        location=row.location,
        meeting_url=link or None,
        upcoming=upcoming,
        confirmation=_confirmation(row, lang) if upcoming else None,
        cancel_reason=row.cancel_reason if cancelled else None,
        interviewer_names=_names(row),
    )
