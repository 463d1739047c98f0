"""The card-action service on the database alone: scope, idempotency, races, each action."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.card_actions.handle import CardActionResult, handle_card_action
from storage.action_models import Decision, ScoreFlag
from storage.models import Interview
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests import factories as f
from tests.bot.scenario import HR_LI, HR_SUN, HR_WANG, MGR_ZHAO, NOW, seed_people


@pytest.fixture
def scored(runtime: Runtime) -> Runtime:
    seed_people(runtime)
    with runtime.session_factory() as s:
        f.application(s, "app-1", "cand-01", "pos-store-night")
        f.interview(s, "iv-1", "app-1", status="completed")
        f.score(s, "sc-1", "iv-1", 86.0)
        f.application(
            s, "app-2", "cand-02", "pos-store-night", requirements=[("health", "missing")]
        )
        f.interview(s, "iv-2", "app-2", status="no_show", deadline_at=NOW - timedelta(hours=1))
        s.commit()
    return runtime


def click(runtime: Runtime, user: str, action: str, **params: Any) -> CardActionResult:
    with runtime.session_factory() as s:
        return handle_card_action(
            s,
            out_track_id=f"card-{params.get('interview_id', 'x')}-{user}",
            user_id=user,
            action=action,
            params={"action": action, **params},
            now=NOW,
        )


def count(runtime: Runtime, model: Any, *where: Any) -> int:
    with runtime.session_factory() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_advance_by_an_owner_records_one_decision_and_an_outbox_event(scored: Runtime) -> None:
    result = click(scored, HR_LI, "advance", interview_id="iv-1")
    assert result.outcome == "done"
    assert result.card_data == {
        "decision": "advance",
        "decision_label": "已推进",
        "decided_by": "李娜",
    }
    assert "已推进" in result.private_data["notice"]
    assert count(scored, Decision, Decision.application_id == "app-1") == 1
    assert count(scored, OutboxEvent, OutboxEvent.kind == "decision.recorded") == 1


@pytest.mark.parametrize("user", [HR_SUN, "stranger_1", "cand_01"])
def test_a_user_without_scope_changes_nothing(scored: Runtime, user: str) -> None:
    result = click(scored, user, "advance", interview_id="iv-1")
    assert result.outcome == "not_permitted"
    assert result.card_data == {}
    assert result.private_data == {"notice": "你无权处理此卡片"}
    assert count(scored, Decision) == 0
    assert count(scored, OutboxEvent) == 0


def test_a_manager_over_the_department_may_decide(scored: Runtime) -> None:
    assert click(scored, MGR_ZHAO, "hold", interview_id="iv-1").outcome == "done"


def test_a_double_click_is_one_decision(scored: Runtime) -> None:
    first = click(scored, HR_LI, "advance", interview_id="iv-1")
    second = click(scored, HR_LI, "advance", interview_id="iv-1")
    assert (first.outcome, second.outcome) == ("done", "duplicate")
    assert second.card_data == first.card_data
    assert count(scored, Decision) == 1


def test_a_later_click_by_a_colleague_is_told_who_decided(scored: Runtime) -> None:
    click(scored, HR_LI, "advance", interview_id="iv-1")
    for action in ("reject", "advance"):
        late = click(scored, HR_WANG, action, interview_id="iv-1", reason="skills")
        assert late.outcome == "already_decided"
        assert late.card_data["decided_by"] == "李娜"
        assert late.private_data["notice"] == "已由 李娜 处理：已推进"
    assert count(scored, Decision) == 1


def test_two_concurrent_clicks_one_wins(scored: Runtime) -> None:
    results: dict[str, CardActionResult] = {}
    barrier = threading.Barrier(2)

    def run(user: str, action: str) -> None:
        barrier.wait()
        results[user] = click(scored, user, action, interview_id="iv-1", reason="skills")

    threads = [
        threading.Thread(target=run, args=(HR_LI, "advance")),
        threading.Thread(target=run, args=(HR_WANG, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.outcome for r in results.values()) == ["already_decided", "done"]
    assert count(scored, Decision) == 1
    with scored.session_factory() as s:
        winner = s.scalars(select(Decision)).one()
    loser = next(r for r in results.values() if r.outcome == "already_decided")
    assert loser.card_data["decision"] == winner.decision


def test_advance_is_refused_while_a_requirement_is_missing(scored: Runtime) -> None:
    result = click(scored, HR_LI, "advance", interview_id="iv-2")
    assert result.outcome == "refused"
    assert result.card_data == {}
    assert "材料" in result.private_data["notice"]
    assert count(scored, Decision) == 0


def test_remind_writes_one_manual_reminder_per_card(scored: Runtime) -> None:
    assert click(scored, HR_LI, "remind", interview_id="iv-2").outcome == "done"
    assert click(scored, HR_LI, "remind", interview_id="iv-2").outcome == "duplicate"
    assert count(scored, OutboxEvent, OutboxEvent.kind == "reminder.manual") == 1


def test_extend_moves_the_deadline_and_queues_the_write_back(scored: Runtime) -> None:
    result = click(scored, HR_LI, "extend", interview_id="iv-2", hours="24")
    assert result.card_data["decision"] == "extend"
    assert click(scored, HR_LI, "extend", interview_id="iv-2", hours="24").outcome == "duplicate"
    with scored.session_factory() as s:
        interview = s.get(Interview, "iv-2")
        assert interview is not None
        assert interview.deadline_at == NOW + timedelta(hours=24)
        assert interview.status == "invited"
        events = list(s.scalars(select(OutboxEvent)))
    assert [e.kind for e in events] == ["interview.deadline_extended"]
    assert events[0].payload["deadline_at"] == (NOW + timedelta(hours=24)).isoformat()


@pytest.mark.parametrize("hours", ["0", "9999", "-1", "x", "²", "١٢", "9" * 40, 24.5])
def test_extend_refuses_odd_hours(scored: Runtime, hours: str) -> None:
    assert click(scored, HR_LI, "extend", interview_id="iv-2", hours=hours).outcome == "invalid"


def test_mark_withdrawn_records_a_withdraw_decision(scored: Runtime) -> None:
    result = click(scored, HR_LI, "withdrawn", interview_id="iv-2")
    assert result.card_data["decision"] == "withdraw"
    with scored.session_factory() as s:
        assert s.scalars(select(Decision.decision)).all() == ["withdraw"]


def test_flag_records_the_flag_and_note_once(scored: Runtime) -> None:
    result = click(scored, HR_LI, "flag", interview_id="iv-1", note="score_too_low")
    assert result.outcome == "done"
    assert result.card_data["flagged_by"] == "李娜"
    assert click(scored, HR_LI, "flag", interview_id="iv-1", note="score_too_low").outcome == (
        "duplicate"
    )
    with scored.session_factory() as s:
        flags = list(s.scalars(select(ScoreFlag)))
    assert [(x.score_id, x.staff_id, x.note) for x in flags] == [
        ("sc-1", "st-hr-li", "score_too_low")
    ]
    assert count(scored, OutboxEvent, OutboxEvent.kind == "score.flagged") == 1


def test_requirement_review_approve_then_reject_is_told(scored: Runtime) -> None:
    with scored.session_factory() as s:
        f.application(
            s, "app-3", "cand-01", "pos-store-night", requirements=[("cert", "submitted")]
        )
        s.commit()
    approve = click(scored, HR_LI, "approve", requirement_id="app-3:cert")
    assert approve.card_data["decision"] == "approve"
    late = click(scored, HR_WANG, "reject", requirement_id="app-3:cert", reason="expired")
    assert late.outcome == "already_decided"
    assert late.card_data["decided_by"] == "李娜"
    assert count(scored, OutboxEvent, OutboxEvent.kind == "requirement.reviewed") == 1


@pytest.mark.parametrize("action", ["drop_tables", "", "advance' OR 1=1"])
def test_unknown_actions_are_refused(scored: Runtime, action: str) -> None:
    assert click(scored, HR_LI, action, interview_id="iv-1").outcome == "invalid"
    assert count(scored, Decision) == 0
