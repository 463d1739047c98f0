"""The interviewers' cards through the real pipeline: the feedback request reaches the sandbox,
Pass on it (via the real `python -m bot.listener`) is noted at once and written back to the demo
EHR by a job right after the click; the admin keeps the questions the briefing suggests."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from jobs.clock import run_interviewer_sweep
from services.clock.quiet_hours import WorkingHours
from services.interviewers.clock import InterviewerRules, sweep_interviewer_clock
from storage.action_models import Delivery
from storage.models import Feedback
from tests.bot.conftest import run_jobs
from tests.bot.scenario import NOW
from tests.factories import bearer
from tests.interviewers.conftest import ZHOU, Org, add_round
from tests.support.servers import LocalHttp

REQUEST = "mi-feedback-request-v1.schema"
# Always working: these tests run at any wall-clock time.
ALWAYS = WorkingHours(time(0), time(0), ZoneInfo("Asia/Shanghai"), holidays=False, end_of_day=True)
RULES = InterviewerRules(timedelta(hours=2), timedelta(hours=24), timedelta(hours=48), ALWAYS)


def press(sim: LocalHttp, card: str, user: str, action: str, **params: str) -> dict[str, Any]:
    body = {"userid": user, "action_ids": [action], "params": {"action": action, **params}}
    result: dict[str, Any] = sim.post(f"/_sim/cards/{card}/click", body)
    assert result["delivered"], result
    return result


def feedback_writes(ehr: LocalHttp, interview_id: str) -> list[dict[str, Any]]:
    decisions = ehr.get("/_demo/decisions")["decisions"]
    return [d for d in decisions if d.get("feedback_id") and d["interview_id"] == interview_id]


def request_sent(org: Org) -> str:
    with org.runtime.session_factory() as s:
        sent = sweep_interviewer_clock(s, now=NOW, rules=RULES)
    assert [a.kind for a in sent if a.action == "sent"] == ["feedback_request"]
    run_jobs(org.runtime)
    with org.runtime.session_factory() as s:
        track = s.scalars(
            select(Delivery.out_track_id).where(
                Delivery.purpose == "feedback_request", Delivery.recipient_id == ZHOU
            )
        ).first()
    assert track is not None
    return track


def test_pass_on_the_card_is_noted_once_and_written_back(
    org: Org, connected: LocalHttp, ehr: LocalHttp
) -> None:
    track = request_sent(org)
    [card] = [
        c
        for c in connected.get("/_sim/cards", params={"userid": "iv_zhoujie"})["cards"]
        if c["template_id"] == REQUEST
    ]
    assert card["public"]["candidate_name"] == "张伟"
    assert card["public"]["briefing_url"].endswith(f"#/interviewer/interviews/{org.round}")

    first = press(connected, track, "iv_zhoujie", "feedback_pass", interview_id=org.round)
    assert first["card"]["private"]["iv_zhoujie"]["notice"].startswith("已记录：通过")
    again = press(connected, track, "iv_zhoujie", "feedback_pass", interview_id=org.round)
    assert again["card"]["private"]["iv_zhoujie"]["notice"] == "已记录过：通过"
    # Someone not assigned to the round, pressing on a card that reached them: refused.
    stranger = press(connected, track, "hr_lina", "feedback_fail", interview_id=org.round)
    assert stranger["card"]["private"]["hr_lina"]["notice"] == "你不是这一轮的面试官"

    run_jobs(org.runtime)  # the write-back job the click's commit enqueued
    with org.runtime.session_factory() as s:
        [row] = s.scalars(select(Feedback).where(Feedback.interview_id == org.round)).all()
        assert (row.staff_id, row.result, row.ratings, row.version) == (ZHOU, "pass", [], 1)
    assert len(feedback_writes(ehr, org.round)) == 1
    run_interviewer_sweep(org.runtime, now=NOW)  # nothing left to write back
    run_jobs(org.runtime)
    assert len(feedback_writes(ehr, org.round)) == 1


def test_dimension_questions_are_the_admins_and_feed_the_briefing(org: Org) -> None:
    admin = bearer(org.tokens["st-admin"])
    listed = org.client.get("/api/v1/admin/dimension-questions", headers=admin)
    assert listed.status_code == 200
    defaults = {i["key"]: i for i in listed.get_json()["items"]}
    assert {"logic", "expression", "communication", "attitude", "experience"} <= set(defaults)
    assert defaults["logic"]["stored"] is False

    body = {"key": "logic", "label": "逻辑", "questions": ["如何拆解一个排班冲突？"]}
    for who in (ZHOU, "st-hr-li"):
        refused = org.client.put(
            "/api/v1/admin/dimension-questions", json=body, headers=bearer(org.tokens[who])
        )
        assert refused.status_code == 403
        assert set(refused.get_json()["error"]) == {"code", "message"}
    stored = org.client.put("/api/v1/admin/dimension-questions", json=body, headers=admin)
    assert stored.status_code == 200 and stored.get_json()["stored"] is True
    empty = {**body, "questions": []}
    assert (
        org.client.put("/api/v1/admin/dimension-questions", json=empty, headers=admin).status_code
        == 400
    )

    briefing = org.client.get(
        f"/api/v1/interviewer/interviews/{org.round}", headers=bearer(org.tokens[ZHOU])
    ).get_json()
    assert briefing["weakest"][0]["questions"] == ["如何拆解一个排班冲突？"]


def test_the_briefing_card_reaches_each_interviewer_once(
    org: Org, sim: LocalHttp, ehr: LocalHttp
) -> None:
    sim.post("/_sim/reset", {})
    add_round(org.runtime, ehr, f"{org.round}-soon", "app-1", start=NOW + timedelta(hours=1))
    for _ in range(2):
        with org.runtime.session_factory() as s:
            sweep_interviewer_clock(s, now=NOW, rules=RULES)
        run_jobs(org.runtime)
    for user in ("iv_zhoujie", "hr_sunli"):
        found = sim.get("/_sim/cards", params={"userid": user})["cards"]
        [card] = [c for c in found if c["template_id"] == "mi-interviewer-briefing-v1.schema"]
        assert card["public"]["overall"] == "78"
        assert "逻辑" in card["public"]["probe"] or "logic" in card["public"]["probe"]
        assert card["public"]["meeting_url"] == "https://meet.example/r2"
