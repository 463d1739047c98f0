"""HR's round scheduling from DingTalk (issue 18): schedule, move and cancel a round, and the
form's interviewer options and busy times.

The EHR decides a new round's id, so these call it synchronously between two transactions of
services/rounds/schedule.py (see there): a transport may use the edge clients, a service not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint

from clients.dingtalk import DingTalkError
from clients.ehr import EhrClient, EhrConflict, EhrError, EhrNotFound, EhrTransientError
from miniapp_api import context as c
from miniapp_api.schemas_rounds import (
    BusyOut,
    BusyQuery,
    CancelRequest,
    InterviewerOptions,
    OptionsQuery,
    RescheduleRequest,
    RoundOut,
    ScheduleRoundRequest,
)
from miniapp_api.spec import endpoint
from services.errors import Conflict, DomainError, InvalidInput, NotFound
from services.rounds import schedule as rs
from services.rounds.options import calendar_user_ids, list_interviewer_options
from web_context import db_session, get_runtime

bp = Blueprint("rounds", __name__)
EHR_RETRY_SECONDS = 30


class EhrUnavailable(DomainError):
    code = "ehr_unavailable"
    http_status = 503
    retry_after = EHR_RETRY_SECONDS


def _ehr_message(exc: EhrError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return str(message or exc)[:300]


@contextmanager
def _ehr() -> Iterator[EhrClient]:
    client = EhrClient.from_settings(get_runtime().settings)
    try:
        yield client
    finally:
        client.close()


def _write_back(begun: rs.Begun, call: Callable[[EhrClient], dict[str, Any]]) -> RoundOut:
    """The EHR's answer applied (or the earlier answer of the same key); errors leave nothing."""
    session = db_session()
    if begun.answer is not None:
        return RoundOut.model_validate(begun.answer)
    try:
        with _ehr() as ehr:
            entity = call(ehr)
    except EhrError as exc:
        rs.drop_request(session, begun.key)
        if isinstance(exc, EhrConflict):
            raise Conflict(_ehr_message(exc), code="ehr_conflict") from None
        if isinstance(exc, EhrNotFound):
            raise NotFound(_ehr_message(exc)) from None
        if isinstance(exc, EhrTransientError):
            raise EhrUnavailable("the EHR is unavailable; retry with the same key") from None
        raise InvalidInput(_ehr_message(exc), code="ehr_refused") from None
    rs.finish_request(session, begun.key, entity, now=c.now())
    return RoundOut.model_validate(entity)


def _key(scope: str, key: str) -> str:
    # Keys are per HR and per action, so one person's key never answers another's request.
    return f"{scope}:{c.viewer().staff_id}:{key}"[:128]


@endpoint(
    bp,
    "POST",
    "/hr/applications/{application_id}/interviews",
    summary="Schedule the next round (video or onsite); idempotent by key",
    response=RoundOut,
    body=ScheduleRoundRequest,
    errors=(409, 503),
    status=201,
)
def schedule_round(application_id: str, body: ScheduleRoundRequest) -> RoundOut:
    viewer = c.viewer()
    form = rs.RoundForm(
        round=body.round,
        kind=body.kind,
        scheduled_at=body.scheduled_at,
        duration_minutes=body.duration_minutes,
        interviewer_ids=tuple(body.interviewer_ids),
        location=body.location,
        meeting_url=body.meeting_url,
    )
    key = _key("round", body.idempotency_key)
    begun = rs.begin_schedule(db_session(), viewer, application_id, form, key=key, now=c.now())
    return _write_back(
        begun,
        lambda ehr: ehr.schedule_round(
            application_id,
            round=form.round,
            kind=form.kind,
            scheduled_at=form.scheduled_at,
            duration_minutes=form.duration_minutes,
            interviewer_ids=list(form.interviewer_ids),
            location=form.location,
            meeting_url=form.meeting_url,
            actor_staff_id=str(viewer.staff_id),
            idempotency_key=key,
        ),
    )


@endpoint(
    bp,
    "POST",
    "/hr/interviews/{interview_id}/reschedule",
    summary="Move a round to a new time (and place); idempotent by key",
    response=RoundOut,
    body=RescheduleRequest,
    errors=(409, 503),
)
def reschedule_round(interview_id: str, body: RescheduleRequest) -> RoundOut:
    viewer = c.viewer()
    key = _key("move", body.idempotency_key)
    begun = rs.begin_change(
        db_session(),
        viewer,
        interview_id,
        key=key,
        now=c.now(),
        scheduled_at=body.scheduled_at,
        location=body.location,
        meeting_url=body.meeting_url,
    )
    return _write_back(
        begun,
        lambda ehr: ehr.reschedule_interview(
            interview_id,
            scheduled_at=body.scheduled_at,
            duration_minutes=body.duration_minutes,
            location=body.location,
            meeting_url=body.meeting_url,
            actor_id=str(viewer.staff_id),
            reason=body.reason,
            idempotency_key=key,
        ),
    )


@endpoint(
    bp,
    "POST",
    "/hr/interviews/{interview_id}/cancel",
    summary="Cancel a round with a reason; idempotent by key",
    response=RoundOut,
    body=CancelRequest,
    errors=(409, 503),
)
def cancel_round(interview_id: str, body: CancelRequest) -> RoundOut:
    viewer = c.viewer()
    key = _key("cancel", body.idempotency_key)
    begun = rs.begin_change(db_session(), viewer, interview_id, key=key, now=c.now())
    return _write_back(
        begun,
        lambda ehr: ehr.cancel_interview(
            interview_id,
            reason=body.reason,
            actor_staff_id=str(viewer.staff_id),
            idempotency_key=key,
        ),
    )


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/interviewer-options",
    summary="Staff HR may pick as interviewers: the position's department, or by name (?q=)",
    response=InterviewerOptions,
    query=OptionsQuery,
)
def interviewer_options(application_id: str, query: OptionsQuery) -> InterviewerOptions:
    rows = list_interviewer_options(db_session(), c.viewer(), application_id, q=query.q)
    return InterviewerOptions.model_validate({"items": rows})


@endpoint(
    bp,
    "GET",
    "/hr/calendar/busy",
    summary="Busy times of staff from their DingTalk calendars",
    response=BusyOut,
    query=BusyQuery,
    errors=(503,),
)
def busy(query: BusyQuery) -> BusyOut:
    if not query.start < query.end or (query.end - query.start).days > 31:
        raise InvalidInput("start before end, at most 31 days apart", code="invalid_span")
    staff_ids = list(dict.fromkeys(s.strip() for s in query.staff_ids.split(",") if s.strip()))
    users = calendar_user_ids(db_session(), c.viewer(), staff_ids)
    try:
        found = c.ctx().dingtalk().calendar.busy_times(users.values(), query.start, query.end)
    except DingTalkError:
        raise c.UpstreamUnavailable("DingTalk's calendar is unavailable; retry later") from None
    items = [
        {
            "staff_id": sid,
            "calendar": sid in users,
            "busy": [{"start": a, "end": b} for a, b in found.get(users.get(sid, ""), [])],
        }
        for sid in staff_ids
    ]
    return BusyOut.model_validate({"items": items})
