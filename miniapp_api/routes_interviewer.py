"""Interviewer endpoints: my rounds, a round's briefing, my feedback; the admin's question list.

The feedback is written back to the EHR here, in the request (the interviewer sees the EHR's
answer at once): the service checks the rules first and applies the answer after. Registered in
miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from clients.ehr import EhrClient, EhrConflict, EhrError, EhrNotFound
from miniapp_api import context as c
from miniapp_api.schemas_interviewer import (
    BriefingOut,
    DimensionQuestionsIn,
    DimensionQuestionsList,
    DimensionQuestionsOut,
    FeedbackOut,
    FeedbackRequest,
    RoundList,
    RoundOut,
)
from miniapp_api.spec import endpoint
from services.errors import Conflict, DomainError, NotFound
from services.interviewers.feedback import (
    FeedbackCall,
    FeedbackInput,
    prepare_feedback,
    record_feedback_answer,
)
from services.interviewers.questions import list_dimension_questions, put_dimension_questions
from services.interviewers.rounds import feedback_view, get_briefing, list_my_rounds, staff_names
from web_context import db_session, get_runtime

bp = Blueprint("interviewer", __name__)


class EhrUnavailable(DomainError):
    code = "ehr_unavailable"
    http_status = 503


@endpoint(
    bp, "GET", "/interviewer/interviews", summary="My rounds as an interviewer", response=RoundList
)
def my_rounds() -> RoundList:
    items = list_my_rounds(db_session(), c.viewer(), now=c.now())
    return RoundList(items=[RoundOut.model_validate(i) for i in items])


@endpoint(
    bp,
    "GET",
    "/interviewer/interviews/{interview_id}",
    summary="The briefing of a round I am an interviewer of",
    response=BriefingOut,
)
def briefing(interview_id: str) -> BriefingOut:
    view = get_briefing(db_session(), c.viewer(), interview_id[:64], now=c.now())
    return BriefingOut.model_validate(view)


def _submit(call: FeedbackCall) -> dict[str, Any]:
    ehr = EhrClient.from_settings(get_runtime().settings)
    try:
        return ehr.submit_feedback(
            call.interview_id,
            staff_id=call.staff_id,
            result=call.result,
            ratings=call.ratings,
            comment=call.comment,
            idempotency_key=call.idempotency_key,
        )
    except EhrConflict as exc:
        raise Conflict(f"the EHR refused the feedback: {exc}", code="ehr_refused") from None
    except EhrNotFound:
        raise NotFound(f"interview {call.interview_id} not found") from None
    except EhrError:  # transient or not, the interviewer can only try again later
        raise EhrUnavailable("the EHR is unavailable; try again shortly") from None
    finally:
        ehr.close()


@endpoint(
    bp,
    "POST",
    "/interviewer/interviews/{interview_id}/feedback",
    summary="Give (or change: a new version) my feedback on a round",
    response=FeedbackOut,
    body=FeedbackRequest,
    errors=(409, 503),
    status=201,
)
def give_feedback(interview_id: str, body: FeedbackRequest) -> FeedbackOut:
    session, viewer, now = db_session(), c.viewer(), c.now()
    data = FeedbackInput(
        result=body.result,
        ratings=[r.model_dump() for r in body.ratings],
        comment=body.comment,
        idempotency_key=body.idempotency_key,
    )
    call = prepare_feedback(session, viewer, interview_id[:64], data, now=now)
    entity = _submit(call)
    row = record_feedback_answer(session, call, entity, now=now, via="miniapp")
    return FeedbackOut.model_validate(feedback_view(row, staff_names(session, [row.staff_id])))


@endpoint(
    bp,
    "GET",
    "/admin/dimension-questions",
    summary="What interviewers probe per AI dimension (admin)",
    response=DimensionQuestionsList,
)
def dimension_questions() -> DimensionQuestionsList:
    views = list_dimension_questions(db_session(), c.viewer())
    return DimensionQuestionsList(
        items=[DimensionQuestionsOut.model_validate(v.__dict__) for v in views]
    )


@endpoint(
    bp,
    "PUT",
    "/admin/dimension-questions",
    summary="Store the questions of one AI dimension (admin)",
    response=DimensionQuestionsOut,
    body=DimensionQuestionsIn,
)
def put_questions(body: DimensionQuestionsIn) -> DimensionQuestionsOut:
    view = put_dimension_questions(
        db_session(), c.viewer(), body.key, label=body.label, questions=body.questions, now=c.now()
    )
    return DimensionQuestionsOut.model_validate(view.__dict__)
