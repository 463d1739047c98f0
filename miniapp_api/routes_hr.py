"""HR endpoints: positions, ranked applications, reports, decisions, flags and statistics."""

from __future__ import annotations

import uuid

from flask import Blueprint

from miniapp_api import context as c
from miniapp_api.schemas import (
    ApplicationListQuery,
    ApplicationPage,
    ApplicationReport,
    DecisionOut,
    DecisionRequest,
    Flag,
    FlagRequest,
    PositionList,
    PositionStats,
    StatsQuery,
)
from miniapp_api.serialize import application_report
from miniapp_api.spec import endpoint
from services.decisions.decide import record_decision
from services.decisions.flags import flag_score
from services.views.hr import (
    ApplicationQuery,
    get_application_report_for_hr,
    list_applications_for_position,
    list_positions_for_viewer,
)
from services.views.position_stats import get_position_stats
from web_context import db_session

bp = Blueprint("hr", __name__)


@endpoint(bp, "GET", "/hr/positions", summary="Positions I may see", response=PositionList)
def positions() -> PositionList:
    items = list_positions_for_viewer(db_session(), c.viewer())
    return PositionList.model_validate({"items": items})


@endpoint(
    bp,
    "GET",
    "/hr/positions/{position_id}/applications",
    summary="A position's applications: filtered, ranked, top N or top P %, paginated",
    response=ApplicationPage,
    query=ApplicationListQuery,
)
def applications(position_id: str, query: ApplicationListQuery) -> ApplicationPage:
    page = list_applications_for_position(
        db_session(), c.viewer(), position_id, ApplicationQuery(**query.model_dump())
    )
    return ApplicationPage.model_validate(page)


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}",
    summary="Full report: scores, score versions, flags, requirements, notification timeline",
    response=ApplicationReport,
)
def application(application_id: str) -> ApplicationReport:
    report = get_application_report_for_hr(db_session(), c.viewer(), application_id)
    return application_report(report)


@endpoint(
    bp,
    "POST",
    "/hr/applications/{application_id}/decisions",
    summary="Record a decision (advance, reject, hold, withdraw); idempotent by key",
    response=DecisionOut,
    body=DecisionRequest,
    errors=(409,),
    status=201,
)
def decide(application_id: str, body: DecisionRequest) -> DecisionOut:
    viewer = c.viewer()
    key = body.idempotency_key or uuid.uuid4().hex
    decision = record_decision(
        db_session(),
        application_id=application_id,
        decision=body.decision,
        actor=viewer,
        reason=body.reason,
        source="api",
        idempotency_key=f"api:{viewer.staff_id}:{key}",
        now=c.now(),
    )
    return DecisionOut.model_validate(decision)


@endpoint(
    bp,
    "POST",
    "/hr/scores/{score_id}/flags",
    summary="Flag (dispute) an AI score",
    response=Flag,
    body=FlagRequest,
    status=201,
)
def flag(score_id: str, body: FlagRequest) -> Flag:
    row = flag_score(db_session(), score_id=score_id, actor=c.viewer(), note=body.note, now=c.now())
    return Flag.model_validate(row)


@endpoint(
    bp,
    "GET",
    "/hr/positions/{position_id}/stats",
    summary="Score statistics of a position",
    response=PositionStats,
    query=StatsQuery,
)
def stats(position_id: str, query: StatsQuery) -> PositionStats:
    result = get_position_stats(db_session(), c.viewer(), position_id, top_n=query.top, now=c.now())
    return PositionStats.model_validate(result)
