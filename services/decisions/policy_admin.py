"""Score policies for admins: read and update them (versioned, audited), and ask what a policy
would have decided over the last N days (API in miniapp_api/routes_policies.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer
from services.decisions import decide as decisions
from services.decisions.policy import (
    GLOBAL,
    SUGGESTIONS,
    EffectivePolicy,
    PolicyConfig,
    evaluate,
    get_effective_policy,
)
from services.errors import Forbidden, NotFound
from services.insight.fairness import GroupRate, group_rates
from services.offers.salary import parse_band, propose_salary
from storage.action_models import ScorePolicy
from storage.db import unit_of_work
from storage.models import (
    VISIBLE_SCORE_STATUSES,
    Application,
    Candidate,
    Interview,
    Position,
    Score,
    Staff,
)

log = logging.getLogger(__name__)


@dataclass
class DryRun:
    scope: str
    days: int
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUGGESTIONS, 0))
    auto_applied: int = 0
    offers: int = 0  # how many would have had an offer drafted
    items: list[dict[str, Any]] = field(default_factory=list)
    # The adverse-impact guard (issue 21): per education group, the share of scores each policy
    # would suggest advancing, the stored one beside the draft (the same when there is none).
    fairness: dict[str, list[GroupRate]] = field(default_factory=dict)


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


def _would_offer(
    session: Session, policy: EffectivePolicy, application: Application, overall: float
) -> dict[str, Any] | None:
    """The offer the policy's rules would have drafted for this score, or None."""
    position = session.get(Position, application.position_id)
    band = parse_band((position.extra or {}).get("salary_band")) if position else None
    proposal = propose_salary(band, overall, policy.config.offer)
    if not proposal.qualifies:
        return None
    return {"amount": proposal.amount, "reason": proposal.reason}


def _past_scores(scope: str, *, days: int, now: datetime) -> Select[Score, Application, str | None]:
    """The visible scores of the last `days` in `scope`, newest first, with their application
    and the candidate's education (a global scope: positions without a policy of their own)."""
    query = (
        select(Score, Application, Candidate.education)
        .join(Interview, Interview.id == Score.interview_id)
        .join(Application, Application.id == Interview.application_id)
        .outerjoin(Candidate, Candidate.id == Application.candidate_id)
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
    return query


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
    stored = EffectivePolicy(scope, current.version, current.config)
    query = _past_scores(scope, days=days, now=now)
    result = DryRun(scope=scope, days=days)
    advances: dict[str, list[tuple[str | None, bool]]] = {"current": [], "draft": []}
    for score, application, education in session.execute(query).all():
        pending = decisions.blocking_requirements(application)
        outcome = evaluate(policy, score, pending=pending, now=now)
        before = evaluate(stored, score, pending=pending, now=now) if config else outcome
        advances["draft"].append((education, outcome.suggestion == "advance"))
        advances["current"].append((education, before.suggestion == "advance"))
        result.total += 1
        result.counts[outcome.suggestion] += 1
        result.auto_applied += int(outcome.auto_apply)
        offer = _would_offer(session, policy, application, score.overall)
        result.offers += int(offer is not None)
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
                    "offer": offer,
                }
            )
    result.fairness = {name: group_rates(pairs) for name, pairs in advances.items()}
    session.rollback()  # read only: end the transaction the queries opened
    return result
