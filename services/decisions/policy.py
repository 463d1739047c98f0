"""Score policies: per position with a global default; suggestions, auto-rejections, overrides.

A policy suggests Advance when the overall score reaches a threshold, and holds minimums per
dimension (on a 0-100 scale) that either suggest a rejection or, with `auto_reject`, apply it: an
auto-applied decision is recorded like a card action (source "policy") and so goes to the EHR.
Every outcome carries its explanation (rule, threshold, values, policy scope and version), stored
on the decision; HR can override a policy decision with a reason. Admins read and update policies
and ask what a policy would have decided over the last N days (services below, API in
miniapp_api/routes_policies.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Settings
from services.access.visibility import Viewer, get_application_for_viewer
from services.decisions import decide as decisions
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from storage.action_models import Decision, ScorePolicy
from storage.db import unit_of_work
from storage.models import VISIBLE_SCORE_STATUSES, Application, Interview, Position, Score, Staff

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


def _pending(application: Application | None) -> list[str]:
    reqs = application.requirements if application else []
    # The same rule services.decisions.decide applies when it refuses Advance.
    return [r.label for r in reqs if r.status in ("missing", "rejected")]


def evaluate_policy(
    session: Session, score: Score, *, now: datetime, defaults: PolicyConfig | None = None
) -> PolicyOutcome:
    """What the score's position policy suggests for `score`, with its explanation."""
    application = _application_of(session, score)
    position_id = application.position_id if application else None
    policy = get_effective_policy(session, position_id, defaults=defaults or PolicyConfig())
    return evaluate(policy, score, pending=_pending(application), now=now)


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


@dataclass
class DryRun:
    scope: str
    days: int
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUGGESTIONS, 0))
    auto_applied: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)


def require_admin(session: Session, viewer: Viewer) -> Staff:
    """The live admin behind `viewer`, else Forbidden (policies are company-wide settings)."""
    staff = session.get(Staff, viewer.staff_id) if viewer.staff_id else None
    if staff is None or staff.deleted or staff.role != "admin":
        raise Forbidden("score policies are managed by admins", code="admin_only")
    return staff


def _check_scope(session: Session, scope: str) -> None:
    position = session.get(Position, scope) if scope != GLOBAL else None
    if scope != GLOBAL and (position is None or position.deleted):
        raise NotFound(f"position {scope} not found")


@dataclass(frozen=True)
class PolicyView:
    scope: str
    version: int
    stored: bool
    config: PolicyConfig
    updated_by: str | None
    updated_at: datetime | None


def _view(row: ScorePolicy) -> PolicyView:
    config = PolicyConfig.model_validate(row.config)
    return PolicyView(row.scope, row.version, True, config, row.updated_by, row.updated_at)


def list_policies(session: Session, viewer: Viewer, *, defaults: PolicyConfig) -> list[PolicyView]:
    """Every stored policy, the global one first (the settings default when none is stored)."""
    require_admin(session, viewer)
    rows = {r.scope: r for r in session.scalars(select(ScorePolicy).order_by(ScorePolicy.scope))}
    first = _view(rows.pop(GLOBAL)) if GLOBAL in rows else _default_view(defaults)
    return [first, *(_view(r) for r in rows.values())]


def _default_view(defaults: PolicyConfig) -> PolicyView:
    return PolicyView(GLOBAL, 0, False, defaults, None, None)


def get_policy(
    session: Session, viewer: Viewer, scope: str, *, defaults: PolicyConfig
) -> PolicyView:
    """The policy in force for `scope` ("global" or a position id)."""
    require_admin(session, viewer)
    _check_scope(session, scope)
    policy = get_effective_policy(session, None if scope == GLOBAL else scope, defaults=defaults)
    row = session.get(ScorePolicy, policy.scope)
    return _view(row) if row is not None else _default_view(defaults)


def update_policy(
    session: Session, viewer: Viewer, scope: str, config: PolicyConfig, *, now: datetime
) -> PolicyView:
    """Store a new version of the policy of `scope`; one unit of work."""
    with unit_of_work(session):
        admin = require_admin(session, viewer)
        _check_scope(session, scope)
        row = session.get(ScorePolicy, scope, with_for_update=True)
        if row is None:
            row = ScorePolicy(scope=scope, version=0, config={})
            session.add(row)
        row.version += 1
        row.config = config.model_dump()
        row.updated_by, row.updated_at = admin.id, now
        session.flush()
        log.info("score policy updated", extra={"ctx": {"scope": scope, "version": row.version}})
        return _view(row)


def dry_run_policy(
    session: Session,
    viewer: Viewer,
    scope: str,
    *,
    days: int,
    now: datetime,
    defaults: PolicyConfig,
    config: PolicyConfig | None = None,
    limit: int = 200,
) -> DryRun:
    """What the policy of `scope` (or `config`) would have decided on the last `days` of scores."""
    current = get_policy(session, viewer, scope, defaults=defaults)
    policy = EffectivePolicy(scope, current.version, config or current.config)
    query = (
        select(Score, Application)
        .join(Interview, Interview.id == Score.interview_id)
        .join(Application, Application.id == Interview.application_id)
        .where(
            Score.status.in_(VISIBLE_SCORE_STATUSES),
            Score.deleted.is_(False),
            Application.deleted.is_(False),
            Score.published_at > now - timedelta(days=days),
            Score.published_at <= now,
        )
        .order_by(Score.published_at.desc(), Score.id)
    )
    if scope == GLOBAL:  # the positions that have no policy of their own
        query = query.where(Application.position_id.not_in(select(ScorePolicy.scope)))
    else:
        query = query.where(Application.position_id == scope)
    result = DryRun(scope=scope, days=days)
    for score, application in session.execute(query).all():
        outcome = evaluate(policy, score, pending=_pending(application), now=now)
        result.total += 1
        result.counts[outcome.suggestion] += 1
        result.auto_applied += int(outcome.auto_apply)
        if len(result.items) < limit:
            result.items.append(
                {
                    "score_id": score.id,
                    "application_id": application.id,
                    "position_id": application.position_id,
                    "published_at": score.published_at,
                    "suggestion": outcome.suggestion,
                    "auto_apply": outcome.auto_apply,
                    "reason": outcome.reason,
                    "rule": outcome.explanation["rule"],
                }
            )
    session.rollback()  # read only: end the transaction the queries opened
    return result
