"""Score policies: suggestions, auto-rejections with their explanations, overrides and gates."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from services.decisions.decide import record_decision
from services.decisions.policy import (
    DimensionMinimum,
    PolicyConfig,
    apply_score_policies,
    evaluate_policy,
    override_policy_decision,
    policy_defaults_from_settings,
)
from services.decisions.policy_admin import update_policy
from services.errors import Conflict, Forbidden, InvalidInput
from storage.action_models import Decision
from storage.models import Application, Requirement, Score
from storage.sync_models import OutboxEvent
from tests import factories as f
from tests.clock.conftest import WED, at, invite

ADMIN = f.Viewer(dingtalk_user_id="admin_chengang", staff_id="st-admin", staff_role="admin")
HR = f.Viewer(dingtalk_user_id="hr_lina", staff_id="st-hr", staff_role="hr_specialist")
NIGHT = PolicyConfig(
    advance_threshold=80, dimension_minimums=[DimensionMinimum(key="night_shift", minimum=60)]
)


def _scored(
    s: Session, n: int, overall: float, night: float, requirements: tuple[tuple[str, str], ...] = ()
) -> Score:
    invite(
        s,
        n,
        invited_at=at(WED, 0),
        deadline_at=at(WED, 48),
        status="attended",
        requirements=requirements,
    )
    row = f.score(
        s,
        f"s-{n}",
        f"i-{n}",
        overall,
        dimensions={"night_shift": night, "logic": 90},
        published_at=at(WED, 10),
    )
    s.commit()
    return row


def _sweep(s: Session, settings: Settings, hour: float = 11):  # type: ignore[no-untyped-def]
    return apply_score_policies(
        s, now=at(WED, hour), defaults=policy_defaults_from_settings(settings), lookback_hours=48
    )


def test_default_policy_suggests_advance_at_80_and_review_below(
    org: Session, settings: Settings
) -> None:
    defaults = policy_defaults_from_settings(settings)
    high = evaluate_policy(org, _scored(org, 1, 85, 90), now=at(WED, 11), defaults=defaults)
    low = evaluate_policy(org, _scored(org, 2, 79.5, 90), now=at(WED, 11), defaults=defaults)
    assert (high.suggestion, high.auto_apply) == ("advance", False)
    assert high.reason == "overall 85 >= 80 (policy default v0)"
    assert high.explanation["rule"] == "overall_threshold"
    assert high.explanation["threshold"] == 80
    assert high.explanation["values"]["overall"] == 85
    assert high.explanation["policy"] == {"scope": "default", "version": 0}
    assert (low.suggestion, low.explanation["rule"]) == ("review", "overall_threshold")


def test_a_dimension_minimum_suggests_rejection_without_applying_it(
    org: Session, settings: Settings
) -> None:
    update_policy(org, ADMIN, "p-1", NIGHT, now=at(WED, 1))
    score = _scored(org, 1, 92, 50)
    outcome = evaluate_policy(org, score, now=at(WED, 11))
    assert (outcome.suggestion, outcome.auto_apply) == ("reject", False)
    assert outcome.explanation["rule"] == "dimension_minimum"
    assert outcome.explanation["threshold"] == {"night_shift": 60}
    assert outcome.explanation["violations"][0]["value"] == 50
    assert outcome.explanation["policy"] == {"scope": "p-1", "version": 1}
    assert [a.action for a in _sweep(org, settings)] == ["suggested"]
    assert org.scalars(select(Decision)).all() == []


def test_an_auto_rejection_is_recorded_with_its_explanation_once(
    org: Session, settings: Settings
) -> None:
    update_policy(org, ADMIN, "p-1", NIGHT, now=at(WED, 1))
    update_policy(org, ADMIN, "p-1", NIGHT.model_copy(update={"auto_reject": True}), now=at(WED, 2))
    _scored(org, 1, 92, 50)
    _scored(org, 2, 92, 70)
    actions = _sweep(org, settings)
    assert sorted((a.score_id, a.action) for a in actions) == [
        ("s-1", "applied"),
        ("s-2", "suggested"),
    ]
    decision = org.scalars(select(Decision)).one()
    assert (decision.decision, decision.source, decision.application_id) == (
        "reject",
        "policy",
        "a-1",
    )
    assert decision.reason is not None and "night_shift label 50 < 60" in decision.reason
    assert decision.explanation["rule"] == "dimension_minimum"
    assert decision.explanation["threshold"] == {"night_shift": 60}
    assert decision.explanation["values"]["dimensions"]["night_shift"] == 50
    assert decision.explanation["policy"] == {"scope": "p-1", "version": 2}
    assert org.get(Application, "a-1").stage == "rejected"  # type: ignore[union-attr]
    written = org.scalars(select(OutboxEvent).where(OutboxEvent.kind == "decision.recorded")).all()
    assert [e.payload["decision_id"] for e in written] == [decision.id]
    assert [a.action for a in _sweep(org, settings, hour=12)] == ["skipped", "suggested"]
    assert len(org.scalars(select(Decision)).all()) == 1


def test_global_policy_applies_to_positions_without_their_own(org: Session) -> None:
    update_policy(org, ADMIN, "global", PolicyConfig(advance_threshold=90), now=at(WED, 1))
    outcome = evaluate_policy(org, _scored(org, 1, 85, 90), now=at(WED, 11))
    assert outcome.suggestion == "review"
    assert outcome.explanation["policy"] == {"scope": "global", "version": 1}


def test_only_admins_update_policies(org: Session) -> None:
    with pytest.raises(Forbidden):
        update_policy(org, HR, "p-1", NIGHT, now=at(WED, 1))


def test_hr_overrides_an_auto_rejection_with_a_reason(org: Session, settings: Settings) -> None:
    update_policy(org, ADMIN, "p-1", NIGHT.model_copy(update={"auto_reject": True}), now=at(WED, 1))
    _scored(org, 1, 92, 50)
    _sweep(org, settings)
    policy_decision = org.scalars(select(Decision)).one()
    with pytest.raises(InvalidInput):
        override_policy_decision(
            org,
            decision_id=policy_decision.id,
            decision="advance",
            actor=HR,
            reason=" ",
            now=at(WED, 12),
        )
    override = override_policy_decision(
        org,
        decision_id=policy_decision.id,
        decision="advance",
        actor=HR,
        reason="可以上夜班，电话确认过",
        now=at(WED, 12),
    )
    assert override.overrides_decision_id == policy_decision.id
    assert (override.decision, override.source, override.actor_staff_id) == (
        "advance",
        "api",
        "st-hr",
    )
    assert override.explanation["overrides"] == {
        "decision_id": policy_decision.id,
        "decision": "reject",
    }
    assert override.explanation["overridden_rule"] == "dimension_minimum"
    org.expire_all()
    assert org.get(Application, "a-1").stage == "interview"  # type: ignore[union-attr]
    again = override_policy_decision(
        org,
        decision_id=policy_decision.id,
        decision="advance",
        actor=HR,
        reason="重复点击",
        now=at(WED, 12),
    )
    assert again.id == override.id
    with pytest.raises(InvalidInput):  # an HR decision is not a policy decision
        override_policy_decision(
            org, decision_id=override.id, decision="reject", actor=HR, reason="x", now=at(WED, 13)
        )


def _advance(s: Session, key: str) -> Decision:
    return record_decision(
        s,
        application_id="a-1",
        decision="advance",
        actor=HR,
        reason=None,
        source="api",
        idempotency_key=key,
        now=at(WED, 12),
    )


@pytest.mark.parametrize("status", ["missing", "rejected"])
def test_a_gate_blocks_advance_until_approved(org: Session, status: str) -> None:
    score = _scored(org, 1, 92, 90, requirements=(("health_cert", status),))
    outcome = evaluate_policy(org, score, now=at(WED, 11))
    assert outcome.suggestion == "advance"
    assert "advance blocked until approved: health_cert label" in outcome.reason
    assert outcome.explanation["blocked_by"] == ["health_cert label"]
    with pytest.raises(Conflict) as refused:
        _advance(org, "k1")
    assert refused.value.code == "requirement_pending"
    assert "health_cert label" in refused.value.message
    org.rollback()
    org.get(Requirement, ("a-1", "health_cert")).status = "approved"  # type: ignore[union-attr]
    org.commit()
    assert _advance(org, "k2").decision == "advance"
    org.expire_all()
    assert org.get(Application, "a-1").stage == "interview"  # type: ignore[union-attr]
