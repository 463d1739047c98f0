"""Card clicks end to end: sandbox click -> real SDK in `python -m bot.listener` -> database ->
write-back job -> demo EHR -> card updates for every HR copy and the candidate's next-round card."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from storage.action_models import Decision
from storage.runtime import Runtime
from tests.bot.conftest import run_jobs
from tests.bot.scenario import (
    HR_LI,
    HR_SUN,
    HR_WANG,
    hr_card,
    scored_application,
    seed_people,
    send_score_cards,
    stage_of,
)
from tests.support.servers import LocalHttp


def press(sim: LocalHttp, card: str, user: str, action: str, **params: str) -> dict[str, Any]:
    body = {"userid": user, "action_ids": [action], "params": {"action": action, **params}}
    result: dict[str, Any] = sim.post(f"/_sim/cards/{card}/click", body)
    return result


def card(sim: LocalHttp, out_track_id: str) -> dict[str, Any]:
    cards = {c["out_track_id"]: c for c in sim.get("/_sim/cards")["cards"]}
    return dict(cards[out_track_id])


def decisions(runtime: Runtime) -> list[tuple[str, str | None, str]]:
    with runtime.session_factory() as s:
        rows = s.scalars(select(Decision).order_by(Decision.id))
        return [(d.decision, d.actor_staff_id, d.writeback_state) for d in rows]


def test_advance_reaches_the_ehr_every_hr_copy_and_the_candidate(
    bot_runtime: Runtime, connected: LocalHttp, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr)
    assert send_score_cards(bot_runtime, score_id) == 3

    result = press(connected, hr_card(score_id, HR_LI), HR_LI, "advance", interview_id="iv-app-1")

    assert result["delivered"], result
    assert result["card"]["public"]["decided_by"] == "李娜"
    assert result["card"]["public"]["decision"] == "advance"
    assert result["card"]["private"][HR_LI]["notice"] == "已处理：已推进"
    assert decisions(bot_runtime) == [("advance", "st-hr-li", "pending")]
    assert stage_of(bot_runtime, "app-1") == "interview"

    run_jobs(bot_runtime)  # the write-back job the listener's commit enqueued

    ehr_decisions = ehr.get("/_demo/decisions")["decisions"]
    # The demo EHR lists every write-back of the session; decisions are those on an application.
    assert [
        (d["application_id"], d["decision"], d["idempotency_key"])
        for d in ehr_decisions
        if d.get("application_id")
    ][-1] == ("app-1", "advance", "card:iv-app-1:advance")
    assert decisions(bot_runtime) == [("advance", "st-hr-li", "written")]
    colleague = card(connected, hr_card(score_id, HR_WANG))
    assert colleague["public"]["decided_by"] == "李娜"
    assert colleague["public"]["decision_label"] == "已推进"
    candidate_cards = connected.get("/_sim/cards", params={"userid": "cand_01"})["cards"]
    assert any(c["template_id"] == "mi-next-round-v1.schema" for c in candidate_cards)


def test_a_click_without_scope_changes_nothing(
    bot_runtime: Runtime, connected: LocalHttp, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr)
    send_score_cards(bot_runtime, score_id)
    before = card(connected, hr_card(score_id, HR_LI))["public"]

    result = press(connected, hr_card(score_id, HR_LI), HR_SUN, "advance", interview_id="iv-app-1")

    assert result["delivered"], result
    assert result["card"]["public"] == before
    assert result["card"]["private"][HR_SUN]["notice"] == "你无权处理此卡片"
    assert decisions(bot_runtime) == []
    assert stage_of(bot_runtime, "app-1") == "ai_interview"


def test_a_double_click_is_one_decision_and_one_write_back(
    bot_runtime: Runtime, connected: LocalHttp, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr, app_id="app-dbl")
    send_score_cards(bot_runtime, score_id)
    target = hr_card(score_id, HR_LI)
    first = press(connected, target, HR_LI, "hold", interview_id="iv-app-dbl")
    second = press(connected, target, HR_LI, "hold", interview_id="iv-app-dbl")
    assert first["delivered"] and second["delivered"]
    assert second["card"]["private"][HR_LI]["notice"] == "已处理过：已待定"
    run_jobs(bot_runtime)
    assert decisions(bot_runtime) == [("hold", "st-hr-li", "written")]
    mine = [
        d for d in ehr.get("/_demo/decisions")["decisions"] if d.get("application_id") == "app-dbl"
    ]
    assert len(mine) == 1


def test_two_hr_pressing_at_once_one_wins_and_the_other_is_told(
    bot_runtime: Runtime, connected: LocalHttp, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr, app_id="app-race")
    send_score_cards(bot_runtime, score_id)
    answers: dict[str, dict[str, Any]] = {}
    barrier = threading.Barrier(2)

    def run(user: str, action: str) -> None:
        barrier.wait()
        answers[user] = press(
            connected,
            hr_card(score_id, user),
            user,
            action,
            interview_id="iv-app-race",
            reason="skills",
        )

    threads = [
        threading.Thread(target=run, args=(HR_LI, "advance")),
        threading.Thread(target=run, args=(HR_WANG, "reject")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(a["delivered"] for a in answers.values()), answers
    [(decision, actor, _state)] = decisions(bot_runtime)
    winner = HR_LI if actor == "st-hr-li" else HR_WANG
    loser = HR_WANG if winner == HR_LI else HR_LI
    winner_name = "李娜" if winner == HR_LI else "王强"
    told = answers[loser]["card"]
    assert told["public"]["decision"] == decision
    assert told["public"]["decided_by"] == winner_name
    assert told["private"][loser]["notice"].startswith(f"已由 {winner_name} 处理")
    run_jobs(bot_runtime)
    assert card(connected, hr_card(score_id, loser))["public"]["decided_by"] == winner_name


def test_an_ehr_conflict_reconciles_the_cache_and_the_cards_say_so(
    bot_runtime: Runtime, connected: LocalHttp, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    # The EHR already rejected the application; the cache has not heard yet.
    score_id = scored_application(bot_runtime, ehr, app_id="app-409", ehr_stage="rejected")
    send_score_cards(bot_runtime, score_id)
    press(connected, hr_card(score_id, HR_LI), HR_LI, "advance", interview_id="iv-app-409")

    run_jobs(bot_runtime)

    assert decisions(bot_runtime) == [("advance", "st-hr-li", "conflict")]
    assert stage_of(bot_runtime, "app-409") == "rejected"
    label = card(connected, hr_card(score_id, HR_WANG))["public"]["decision_label"]
    assert "EHR 未接受" in label and "rejected" in label
    candidate_cards = connected.get("/_sim/cards", params={"userid": "cand_01"})["cards"]
    assert not any(c["template_id"] == "mi-next-round-v1.schema" for c in candidate_cards)


def test_the_listener_survives_a_disconnect(
    bot_runtime: Runtime, connected: LocalHttp, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr, app_id="app-dc")
    send_score_cards(bot_runtime, score_id)
    connected.post("/_sim/disconnect", {})
    from tests.support.servers import wait_for

    def clicked() -> bool:
        answer = press(connected, hr_card(score_id, HR_LI), HR_LI, "hold", interview_id="iv-app-dc")
        return bool(answer["delivered"])

    wait_for(clicked, timeout=30, what="a click answered after the reconnect")
    assert decisions(bot_runtime) == [("hold", "st-hr-li", "pending")]
