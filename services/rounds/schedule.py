"""HR schedules, moves and cancels a round: checks, the request record, the EHR's answer applied.

The EHR decides the interview id, so the write-back is synchronous: the transport calls
`begin_*` (one transaction: checks and a pending `RoundRequest` under the idempotency key), then
the EHR, then `finish_request` (one transaction: the answer applied to the cache, whose outbox
rules write OUTBOX_ROUND_SCHEDULED / interview.rescheduled / interview.cancelled, and the
request marked done) or `drop_request` when the EHR could not be reached or refused (nothing
half-done: the same key may be retried, and the EHR dedupes it by the same key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer
from services.ehr.answers import ingest_writeback_answer
from services.errors import Conflict, InvalidInput, NotFound
from storage.db import unit_of_work
from storage.models import Application, Interview, Staff
from storage.round_models import RoundRequest
from storage.vocabulary import CLOSED_STAGES

ROUND_KINDS = ("video", "onsite")
PENDING, DONE = "pending", "done"
# Interview states after which a round can no longer be moved or cancelled.
OVER = ("attended", "completed", "cancelled", "no_show")


@dataclass(frozen=True)
class RoundForm:
    """What HR submits for a new round (the contract's write-back fields)."""

    round: int
    kind: str
    scheduled_at: datetime
    duration_minutes: int
    interviewer_ids: tuple[str, ...]
    location: str | None
    meeting_url: str | None


@dataclass(frozen=True)
class Begun:
    """A request to send to the EHR, or the answer of an earlier one with the same key."""

    key: str
    application_id: str
    interview_id: str | None
    answer: dict[str, Any] | None  # set: a double submit; answer it without calling the EHR


def _check_place(kind: str, location: str | None, meeting_url: str | None) -> None:
    if kind == "video" and not meeting_url:
        raise InvalidInput("a video round needs a meeting_url", code="meeting_url_required")
    if kind == "onsite" and not location:
        raise InvalidInput("an onsite round needs a location", code="location_required")


def _check_future(moment: datetime, now: datetime) -> None:
    if moment.tzinfo is None:
        raise InvalidInput("scheduled_at needs its UTC offset", code="naive_datetime")
    if moment <= now:
        raise InvalidInput("scheduled_at must be in the future", code="scheduled_in_past")


def check_interviewers(session: Session, staff_ids: tuple[str, ...]) -> None:
    """Refuse an empty, repeated or unknown interviewer list (400)."""
    if not staff_ids or len(set(staff_ids)) != len(staff_ids):
        raise InvalidInput("interviewer_ids: distinct staff ids, at least one", code="interviewers")
    known = set(
        session.scalars(select(Staff.id).where(Staff.id.in_(staff_ids), Staff.deleted.is_(false())))
    )
    unknown = [s for s in staff_ids if s not in known]
    if unknown:
        raise InvalidInput(f"unknown interviewer {unknown[0]}", code="unknown_interviewer")


def _open_application(session: Session, viewer: Viewer, application_id: str) -> Application:
    application = get_application_for_viewer(session, viewer, application_id)
    if application.stage in CLOSED_STAGES:
        raise Conflict(f"the application is {application.stage}", code="application_closed")
    return application


def _answered(session: Session, key: str, viewer: Viewer) -> Begun | None:
    """The answer of a finished request with this key: a double submit is answered as the
    first was, even when the round or application has moved on since."""
    earlier = session.get(RoundRequest, key)
    if earlier is None or earlier.state != DONE or earlier.actor_staff_id != viewer.staff_id:
        return None
    return Begun(key, earlier.application_id, earlier.interview_id, earlier.answer)


def _begin(session: Session, row: RoundRequest) -> Begun:
    """The pending request under its key, or the earlier one's answer (a double submit)."""
    earlier = session.get(RoundRequest, row.idempotency_key)
    if earlier is not None:
        if earlier.actor_staff_id != row.actor_staff_id:
            raise Conflict("the idempotency key is someone else's", code="idempotency_key_reused")
        answer = earlier.answer if earlier.state == DONE else None
        return Begun(earlier.idempotency_key, earlier.application_id, earlier.interview_id, answer)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:  # the same key submitted twice at once: the first one is in flight
        raise Conflict("the same request is in progress", code="request_in_progress") from None
    return Begun(row.idempotency_key, row.application_id, row.interview_id, None)


def begin_schedule(
    session: Session,
    viewer: Viewer,
    application_id: str,
    form: RoundForm,
    *,
    key: str,
    now: datetime,
) -> Begun:
    """Check HR's new round and record the request (404 outside scope, 400 / 409 otherwise)."""
    with unit_of_work(session):
        _open_application(session, viewer, application_id)
        done = _answered(session, key, viewer)
        if done is not None:
            return done
        if form.kind not in ROUND_KINDS:
            raise InvalidInput("kind: video or onsite", code="invalid_kind")
        _check_place(form.kind, form.location, form.meeting_url)
        _check_future(form.scheduled_at, now)
        check_interviewers(session, form.interviewer_ids)
        row = RoundRequest(
            idempotency_key=key,
            application_id=application_id,
            actor_staff_id=str(viewer.staff_id),
            state=PENDING,
            created_at=now,
        )
        return _begin(session, row)


def get_round_for_hr(session: Session, viewer: Viewer, interview_id: str) -> Interview:
    """A video or onsite round of an application in the viewer's scope that is not over."""
    interview = session.get(Interview, interview_id)
    if interview is None or interview.deleted or interview.kind not in ROUND_KINDS:
        raise NotFound(f"interview {interview_id} not found")
    _open_application(session, viewer, interview.application_id)  # NotFound outside scope
    if interview.status in OVER:
        raise Conflict(f"the round is {interview.status}", code="round_over")
    return interview


def begin_change(
    session: Session,
    viewer: Viewer,
    interview_id: str,
    *,
    key: str,
    now: datetime,
    scheduled_at: datetime | None = None,
    location: str | None = None,
    meeting_url: str | None = None,
) -> Begun:
    """Check a move (with `scheduled_at`) or a cancellation of a round; record the request."""
    with unit_of_work(session):
        done = _answered(session, key, viewer)
        if done is not None and done.interview_id == interview_id:
            return done
        interview = get_round_for_hr(session, viewer, interview_id)
        if scheduled_at is not None:
            _check_future(scheduled_at, now)
            _check_place(
                interview.kind, location or interview.location, meeting_url or interview.meeting_url
            )
        row = RoundRequest(
            idempotency_key=key,
            application_id=interview.application_id,
            actor_staff_id=str(viewer.staff_id),
            interview_id=interview.id,
            state=PENDING,
            created_at=now,
        )
        return _begin(session, row)


def finish_request(session: Session, key: str, entity: dict[str, Any], *, now: datetime) -> None:
    """Apply the EHR's answer to the cache and record it under the request's key."""
    with unit_of_work(session):
        ingest_writeback_answer(session, "interview", entity, now=now)
        row = session.get(RoundRequest, key)
        if row is not None:
            row.state, row.answer = DONE, entity
            row.interview_id = str(entity.get("id") or row.interview_id or "") or None


def drop_request(session: Session, key: str) -> None:
    """Forget a request the EHR did not take, so that the same key can be tried again."""
    with unit_of_work(session):
        row = session.get(RoundRequest, key)
        if row is not None and row.state == PENDING:
            session.delete(row)


def scheduling_staff_id(session: Session, interview_id: str) -> str | None:
    """Who scheduled the round from DingTalk, when it was scheduled here."""
    return session.scalar(
        select(RoundRequest.actor_staff_id)
        .where(RoundRequest.interview_id == interview_id, RoundRequest.state == DONE)
        .order_by(RoundRequest.created_at)
        .limit(1)
    )
