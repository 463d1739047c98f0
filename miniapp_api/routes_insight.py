"""Insight endpoints (issue 21): the feedback catalogue (admins), HR's preview of a candidate's
feedback, the probation score, predictive validity and the adverse-impact guard.

Registered in miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from flask import Blueprint

from miniapp_api import context as c
from miniapp_api.schemas_insight import (
    Fairness,
    FeedbackCatalog,
    FeedbackPreview,
    ProbationScore,
    TrainingList,
    Validity,
    ValidityQuery,
)
from miniapp_api.spec import endpoint
from services.decisions.policy import policy_defaults_from_settings
from services.insight import catalog
from services.insight.fairness import get_fairness_for_viewer
from services.insight.preview import preview_feedback_for_viewer
from services.insight.probation import get_probation_for_viewer
from services.insight.training import list_training_for_viewer
from services.insight.validity import get_validity_for_viewer
from web_context import db_session, get_runtime

bp = Blueprint("insight", __name__)


def _catalog_out(entries: list[catalog.CatalogEntry]) -> FeedbackCatalog:
    return FeedbackCatalog.model_validate({"items": [e.__dict__ for e in entries]})


@endpoint(
    bp,
    "GET",
    "/admin/feedback-catalog",
    summary="The feedback catalogue: a suggestion per AI dimension, zh and en (admin)",
    response=FeedbackCatalog,
)
def feedback_catalog() -> FeedbackCatalog:
    return _catalog_out(catalog.get_catalog_for_admin(db_session(), c.viewer()))


@endpoint(
    bp,
    "PUT",
    "/admin/feedback-catalog",
    summary="Replace the feedback catalogue; keys left out use the defaults (admin)",
    response=FeedbackCatalog,
    body=FeedbackCatalog,
)
def put_feedback_catalog(body: FeedbackCatalog) -> FeedbackCatalog:
    entries = [catalog.CatalogEntry(**item.model_dump()) for item in body.items]
    return _catalog_out(catalog.replace_catalog(db_session(), c.viewer(), entries, now=c.now()))


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/candidate-feedback",
    summary="Preview exactly the feedback the candidate sees in their report",
    response=FeedbackPreview,
)
def candidate_feedback(application_id: str) -> FeedbackPreview:
    preview = preview_feedback_for_viewer(
        db_session(), c.viewer(), application_id, policy=c.ctx().score_policy, lang=c.lang()
    )
    return FeedbackPreview.model_validate(preview)


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/probation",
    summary="The probation score: training effect and performance, with how it was computed",
    response=ProbationScore,
)
def probation(application_id: str) -> ProbationScore:
    defaults = policy_defaults_from_settings(get_runtime().settings)
    result = get_probation_for_viewer(db_session(), c.viewer(), application_id, defaults=defaults)
    return ProbationScore.model_validate(result)


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/training",
    summary="The new hire's courses with their follow-up flags and HR's answers",
    response=TrainingList,
)
def training(application_id: str) -> TrainingList:
    defaults = policy_defaults_from_settings(get_runtime().settings)
    items = list_training_for_viewer(
        db_session(), c.viewer(), application_id, now=c.now(), defaults=defaults
    )
    return TrainingList.model_validate({"items": items})


@endpoint(
    bp,
    "GET",
    "/hr/positions/{position_id}/validity",
    summary="Predictive validity: AI scores of hires against their performance",
    response=Validity,
    query=ValidityQuery,
)
def validity(position_id: str, query: ValidityQuery) -> Validity:
    settings = get_runtime().settings
    report = get_validity_for_viewer(
        db_session(),
        c.viewer(),
        position_id,
        min_sample=settings.VALIDITY_MIN_SAMPLE,
        defaults=policy_defaults_from_settings(settings),
        lang=c.lang(),
        cutoff=query.cutoff,
        measure=query.measure,
    )
    return Validity.model_validate(report)


@endpoint(
    bp,
    "GET",
    "/hr/positions/{position_id}/fairness",
    summary="Advance rate by education group and the four-fifths ratios",
    response=Fairness,
)
def fairness(position_id: str) -> Fairness:
    report = get_fairness_for_viewer(db_session(), c.viewer(), position_id, lang=c.lang())
    return Fairness.model_validate(report)
