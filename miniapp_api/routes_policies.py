"""Score-policy endpoints: admins read, update and dry-run policies; HR override policy decisions.

Register by adding `routes_policies.bp` to the children in miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint
from pydantic import Field

from miniapp_api import context as c
from miniapp_api.schemas import DecisionOut, Model
from miniapp_api.schemas_insight import GroupRate
from miniapp_api.spec import endpoint
from services.decisions.policy import (
    PolicyConfig,
    override_policy_decision,
    policy_defaults_from_settings,
)
from services.decisions.policy_admin import (
    PolicyView,
    dry_run_policy,
    get_policy,
    list_policies,
    update_policy,
)
from services.errors import NotFound
from storage.safe_input import ascii_int
from web_context import db_session, get_runtime

bp = Blueprint("policies", __name__)


class PolicyOut(Model):
    scope: str = Field(description='"global" or a position id')
    version: int = Field(description="0 while only the built-in default applies")
    stored: bool
    config: PolicyConfig
    updated_by: str | None
    updated_at: datetime | None


class PolicyList(Model):
    items: list[PolicyOut]


class DryRunRequest(Model):
    days: int = Field(default=30, ge=1, le=366, description="scores published in the last N days")
    config: PolicyConfig | None = Field(
        default=None, description="a draft to try instead of the stored policy"
    )


class DryRunOffer(Model):
    amount: int | None = Field(description="None: the position has no band, HR fills it in")
    reason: str = Field(description='e.g. "岗位薪资带 8,000–10,000，综合分 90 → 10,000"')


class DryRunItem(Model):
    score_id: str
    application_id: str
    position_id: str
    published_at: datetime | None
    suggestion: Literal["advance", "reject", "review"]
    auto_apply: bool
    reason: str
    rule: str
    offer: DryRunOffer | None = Field(description="the offer that would have been drafted")


class DryRunFairness(Model):
    current: list[GroupRate] = Field(description="the stored policy")
    draft: list[GroupRate] = Field(description="the draft (the stored policy when none is given)")


class DryRunOut(Model):
    scope: str
    days: int
    total: int
    counts: dict[str, int]
    auto_applied: int
    offers: int = Field(description="scores that would have drafted an offer")
    items: list[DryRunItem] = Field(description="the most recent 200")
    fairness: DryRunFairness = Field(
        description="per education group, the share of scores each policy would suggest"
        " advancing, with four-fifths ratios (groups under 10 suppressed)"
    )


class OverrideRequest(Model):
    decision: Literal["advance", "reject", "hold", "withdraw"]
    reason: str = Field(min_length=1, max_length=2000)


def _defaults() -> PolicyConfig:
    return policy_defaults_from_settings(get_runtime().settings)


def _out(view: PolicyView) -> PolicyOut:
    return PolicyOut.model_validate(view.__dict__)


@endpoint(bp, "GET", "/admin/policies", summary="Score policies (admin)", response=PolicyList)
def policies() -> PolicyList:
    views = list_policies(db_session(), c.viewer(), defaults=_defaults())
    return PolicyList(items=[_out(v) for v in views])


@endpoint(
    bp,
    "GET",
    "/admin/policies/{scope}",
    summary="The policy in force for a position, or the global one (admin)",
    response=PolicyOut,
)
def policy(scope: str) -> PolicyOut:
    return _out(get_policy(db_session(), c.viewer(), scope, defaults=_defaults()))


@endpoint(
    bp,
    "PUT",
    "/admin/policies/{scope}",
    summary="Store a new version of a policy (admin)",
    response=PolicyOut,
    body=PolicyConfig,
)
def put_policy(scope: str, body: PolicyConfig) -> PolicyOut:
    return _out(update_policy(db_session(), c.viewer(), scope, body, now=c.now()))


@endpoint(
    bp,
    "POST",
    "/admin/policies/{scope}/dry-run",
    summary="What the policy (or a draft) would have decided over the last N days (admin)",
    response=DryRunOut,
    body=DryRunRequest,
)
def dry_run(scope: str, body: DryRunRequest) -> DryRunOut:
    result = dry_run_policy(
        db_session(),
        c.viewer(),
        scope,
        days=body.days,
        now=c.now(),
        defaults=_defaults(),
        config=body.config,
    )
    return DryRunOut.model_validate(result.__dict__)


@endpoint(
    bp,
    "POST",
    "/hr/decisions/{decision_id}/override",
    summary="Override a policy decision with a reason",
    response=DecisionOut,
    body=OverrideRequest,
    errors=(409,),
    status=201,
)
def override(decision_id: str, body: OverrideRequest) -> DecisionOut:
    number = ascii_int(decision_id)  # ASCII digits that fit the column, else no such decision
    if number is None:
        raise NotFound(f"decision {decision_id[:64]} not found")
    row = override_policy_decision(
        db_session(),
        decision_id=number,
        decision=body.decision,
        actor=c.viewer(),
        reason=body.reason,
        now=c.now(),
    )
    return DecisionOut.model_validate(row)
