"""Candidate endpoints: my interviews and one interview's report."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint

from miniapp_api import context as c
from miniapp_api.schemas import CandidateInterviewList
from miniapp_api.schemas_feedback import CandidateReportAnswer
from miniapp_api.spec import Answer, answer, endpoint
from services.access.visibility import require_candidate
from services.views import candidate as candidate_views
from services.views.candidate import get_report_for_candidate, list_interviews_for_candidate
from web_context import get_runtime

bp = Blueprint("candidate", __name__)


# The two views candidates open most answer the services' dataclasses directly (see `Answer`);
# CandidateInterviewList and CandidateReport document them.
@dataclass(frozen=True)
class InterviewList:
    items: list[candidate_views.CandidateInterview]


def _allow_http() -> bool:
    # The cards' link rule (services/notify/policy.py): http links only outside production.
    return not get_runtime().settings.is_production


@endpoint(bp, "GET", "/me/interviews", summary="My interviews", response=CandidateInterviewList)
def my_interviews() -> Answer:
    viewer = c.viewer()
    require_candidate(viewer)
    items = list_interviews_for_candidate(
        c.read_db(), viewer, lang=c.lang(), now=c.now(), allow_http=_allow_http()
    )
    return answer(InterviewList(items), InterviewList)


@endpoint(
    bp,
    "GET",
    "/me/interviews/{interview_id}",
    summary="One interview's report, within the company's visibility policy",
    response=CandidateReportAnswer,
)
def my_interview(interview_id: str) -> Answer:
    viewer = c.viewer()
    require_candidate(viewer)
    report = get_report_for_candidate(
        c.read_db(),
        viewer,
        interview_id,
        policy=c.ctx().score_policy,
        lang=c.lang(),
        now=c.now(),
        allow_http=_allow_http(),
    )
    return answer(report, type(report))
