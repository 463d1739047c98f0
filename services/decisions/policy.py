"""Score policies: per position with a global default; suggestions, auto-rejections, overrides.

A policy suggests Advance when the overall score reaches a threshold, and holds minimums per
dimension (on a 0-100 scale) that either suggest a rejection or, with `auto_reject`, apply it: an
auto-applied decision is recorded like a card action (source "policy") and so goes to the EHR.
Every outcome carries its explanation (rule, threshold, values, policy scope and version), stored
on the decision; HR can override a policy decision with a reason. What admins do with policies
(read, update, dry run) is in `policy_admin`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Settings
from services.access.visibility import Viewer, get_application_for_viewer
from services.decisions import decide as decisions
from services.errors import Conflict, InvalidInput, NotFound
from services.offers.salary import OfferRules
from storage.action_models import Decision, ScorePolicy
from storage.db import unit_of_work
from storage.models import VISIBLE_SCORE_STATUSES, Application, Interview, Score

log = logging.getLogger(__name__)

GLOBAL = "global"
SUGGESTIONS = ("advance", "reject", "review")
POLICY_ACTOR = Viewer(dingtalk_user_id=None)  # the policy itself: no staff member decided


class DimensionMinimum(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=64, description="dimension key, e.g. night_shift")
    minimum: float = Field(ge=0, le=100, description="on a 0-100 scale (score / max * 100)")


class PolicyConfig(BaseModel):
    """What a policy says; stored as JSON in score_policy.config."""

    model_config = ConfigDict(extra="forbid")

    advance_threshold: float = Field(default=80.0, ge=0, le=100)
    dimension_minimums: list[DimensionMinimum] = Field(default_factory=list, max_length=50)
    auto_reject: bool = Field(
        default=False, description="a dimension below its minimum rejects at once"
    )
    offer: OfferRules = Field(
        default_factory=OfferRules, description="when and what to offer (services/offers)"
    )
    # After the hire (issue 21): the training follow-up's thresholds and the probation score.
    training_completion_min: float = Field(
        default=80.0, ge=0, le=100, description="a course past its due date under this warns HR"
    )
    training_exam_min: float = Field(
        default=70.0, ge=0, le=100, description="an exam score under this warns HR"
    )
    training_due_days: int = Field(
        default=30, ge=1, le=366, description="a course is due this long after it is first seen"
    )
    probation_training_weight: float = Field(
        default=0.3, ge=0, le=1, description="probation = training x this + performance x rest"
    )
    training_effect: Literal["mean", "completion", "exam"] = Field(
        default="mean",
        description="training effect: mean of completion and exam score, or either alone",
    )


def policy_defaults_from_settings(settings: Settings) -> PolicyConfig:
    """The built-in global default when no global policy is stored."""
    return PolicyConfig(
        advance_threshold=settings.SCORE_ADVANCE_THRESHOLD, auto_reject=settings.POLICY_AUTO_REJECT
    )


@dataclass(frozen=True)
class EffectivePolicy:
    scope: str  # a position id, "global", or "default" (settings, nothing stored)
    version: int
    config: PolicyConfig


@dataclass(frozen=True)
class PolicyOutcome:
    suggestion: str  # advance | reject | review
    reason: str
    explanation: dict[str, Any]
    auto_apply: bool


def get_effective_policy(
    session: Session, position_id: str | None, *, defaults: PolicyConfig
) -> EffectivePolicy:
    """The position's own policy, else the stored global one, else the settings default."""
    for scope in (position_id, GLOBAL):
        row = session.get(ScorePolicy, scope) if scope else None
        if row is not None:
            return EffectivePolicy(row.scope, row.version, PolicyConfig.model_validate(row.config))
    return EffectivePolicy("default", 0, defaults)


def _normalized(score: float, max_score: float) -> float:
    return round(score * 100 / max_score, 2) if max_score else score


def evaluate(
    policy: EffectivePolicy, score: Score, *, pending: list[str], now: datetime
) -> PolicyOutcome:
    """Apply `policy` to `score` (pure); `pending` names requirements that block Advance."""
    config = policy.config
    dims = {d.key: (d.label, _normalized(d.score, d.max_score)) for d in score.dimensions}
    violations = [
        {"key": m.key, "label": dims[m.key][0], "value": dims[m.key][1], "minimum": m.minimum}
        for m in config.dimension_minimums
        if m.key in dims and dims[m.key][1] < m.minimum
    ]
    explanation: dict[str, Any] = {
        "values": {"overall": score.overall, "dimensions": {k: v for k, (_, v) in dims.items()}},
        "policy": {"scope": policy.scope, "version": policy.version},
        "config": config.model_dump(),
        "score": {"id": score.id, "version": score.version},
        "evaluated_at": now.isoformat(),
    }
    if violations:
        suggestion, rule = "reject", "dimension_minimum"
        threshold: Any = {v["key"]: v["minimum"] for v in violations}
        reason = "; ".join(f"{v['label']} {v['value']:g} < {v['minimum']:g}" for v in violations)
        explanation["violations"] = violations
    elif score.overall >= config.advance_threshold:
        suggestion, rule, threshold = "advance", "overall_threshold", config.advance_threshold
        reason = f"overall {score.overall:g} >= {config.advance_threshold:g}"
        if pending:
            reason += "; advance blocked until approved: " + ", ".join(pending)
            explanation["blocked_by"] = pending
    else:
        suggestion, rule, threshold = "review", "overall_threshold", config.advance_threshold
        reason = f"overall {score.overall:g} < {config.advance_threshold:g}"
    auto = suggestion == "reject" and config.auto_reject
    reason += f" (policy {policy.scope} v{policy.version})"
    explanation.update(rule=rule, threshold=threshold, suggestion=suggestion, auto_applied=auto)
    return PolicyOutcome(suggestion, reason, explanation, auto)


def _application_of(session: Session, score: Score) -> Application | None:
    interview = session.get(Interview, score.interview_id)
    return session.get(Application, interview.application_id) if interview else None


def evaluate_policy(
    session: Session, score: Score, *, now: datetime, defaults: PolicyConfig | None = None
) -> PolicyOutcome:
    """What the score's position policy suggests for `score`, with its explanation."""
    application = _application_of(session, score)
    position_id = application.position_id if application else None
    policy = get_effective_policy(session, position_id, defaults=defaults or PolicyConfig())
    return evaluate(policy, score, pending=decisions.blocking_requirements(application), now=now)


@dataclass(frozen=True)
class PolicyAction:
    """What the policy sweep did with one score (ids only)."""

    score_id: str
    application_id: str | None
    action: str  # applied | suggested | skipped
    reason: str
    decision_id: int | None = None


def _already_decided(session: Session, application: Application, score: Score) -> bool:
    since = score.published_at or score.updated_at
    return bool(
        session.scalar(
            select(Decision.id)
            .where(Decision.application_id == application.id, Decision.created_at >= since)
            .limit(1)
        )
    )


def apply_score_policy(
    session: Session, score: Score, *, now: datetime, defaults: PolicyConfig
) -> PolicyAction:
    """Record the policy's rejection when it is auto-applied (inside the caller's transaction)."""
    application = _application_of(session, score)
    if application is None or application.deleted:
        return PolicyAction(score.id, None, "skipped", "no live application")
    outcome = evaluate_policy(session, score, now=now, defaults=defaults)
    if not outcome.auto_apply:
        return PolicyAction(score.id, application.id, "suggested", outcome.suggestion)
    key = f"policy:{score.id}:v{score.version}"
    if session.scalar(select(Decision.id).where(Decision.idempotency_key == key)):
        return PolicyAction(score.id, application.id, "skipped", "already applied")
    if application.stage in decisions.CLOSED or _already_decided(session, application, score):
        return PolicyAction(score.id, application.id, "skipped", "already decided")
    stage_before = application.stage
    with session.begin_nested():
        row = decisions.insert_decision(
            session,
            application,
            "reject",
            POLICY_ACTOR,
            reason=outcome.reason,
            source="policy",
            idempotency_key=key,
            now=now,
            explanation={**outcome.explanation, "stage_before": stage_before},
        )
    return PolicyAction(score.id, application.id, "applied", outcome.reason, row.id)


def apply_score_policies(
    session: Session, *, now: datetime, defaults: PolicyConfig, lookback_hours: float
) -> list[PolicyAction]:
    """Apply auto-applied policies to scores published within the look-back; one unit of work."""
    since = now - timedelta(hours=lookback_hours)
    actions: list[PolicyAction] = []
    with unit_of_work(session):
        scores = session.scalars(
            select(Score)
            .where(
                Score.status.in_(VISIBLE_SCORE_STATUSES),
                Score.deleted.is_(False),
                Score.published_at > since,
                Score.published_at <= now,
            )
            .order_by(Score.published_at, Score.id)
        ).all()
        for score in scores:
            try:
                actions.append(apply_score_policy(session, score, now=now, defaults=defaults))
            except (Conflict, IntegrityError) as exc:  # HR decided meanwhile: theirs stands
                actions.append(PolicyAction(score.id, None, "skipped", type(exc).__name__))
    for a in actions:
        if a.action == "applied":
            log.info("policy decision applied", extra={"ctx": {"decision": a.decision_id}})
    return actions


def override_policy_decision(
    session: Session,
    *,
    decision_id: int,
    decision: str,
    actor: Viewer,
    reason: str,
    now: datetime,
) -> Decision:
    """HR replaces a policy decision with their own, giving a reason; returns the new decision."""
    if not reason.strip():
        raise InvalidInput("an override needs a reason", code="reason_required")
    if decision not in decisions.DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(decisions.DECISIONS)}")
    key = f"override:{decision_id}:{decision}"
    try:
        with unit_of_work(session):
            target = session.get(Decision, decision_id)
            if target is None:
                raise NotFound(f"decision {decision_id} not found")
            application = get_application_for_viewer(session, actor, target.application_id)
            again = session.scalars(select(Decision).where(Decision.idempotency_key == key)).first()
            if again is not None:
                return again
            if target.source != "policy":
                raise InvalidInput("only policy decisions are overridden", code="not_policy")
            latest = session.scalar(
                select(func.max(Decision.sequence)).where(Decision.application_id == application.id)
            )
            if latest != target.sequence:
                raise Conflict("a later decision exists; decide anew", code="already_decided")
            application.stage = str(target.explanation.get("stage_before") or application.stage)
            return decisions.insert_decision(
                session,
                application,
                decision,
                actor,
                reason=reason,
                source="api",
                idempotency_key=key,
                now=now,
                overrides_decision_id=target.id,
                explanation={
                    "rule": "override",
                    "overrides": {"decision_id": target.id, "decision": target.decision},
                    "overridden_rule": target.explanation.get("rule"),
                    "reason": reason,
                },
            )
    except IntegrityError:
        raise Conflict(
            "the application changed meanwhile; try again", code="decision_conflict"
        ) from None
