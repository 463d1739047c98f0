"""Interviewers through the real mini-app API and the demo EHR: who sees which round, the
feedback rules, and HR's summary once the last feedback lands (from the API or the EHR)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.ehr import events as ev
from storage.ehr_log import list_history
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_FEEDBACK_COMPLETE, OUTBOX_FEEDBACK_SUBMITTED
from tests.bot.conftest import run_jobs
from tests.bot.scenario import HR_LI, HR_WANG, NOW
from tests.factories import bearer
from tests.interviewers.conftest import SUN, ZHOU, Org, add_round
from tests.notify.conftest import make_push
from tests.support.servers import LocalHttp

SUMMARY = "mi-feedback-summary-hr-v1.schema"
RATINGS = [
    {"key": "logic", "label": "逻辑", "score": 90, "max_score": 100},
    {"key": "communication", "label": "沟通", "score": 85, "max_score": 100},
]


def give(org: Org, who: str, iv_id: str = "", **over: Any) -> Any:
    body = {
        "result": "pass",
        "ratings": RATINGS,
        "comment": "不错",
        "idempotency_key": "k1",
        **over,
    }
    return org.client.post(
        f"/api/v1/interviewer/interviews/{iv_id or org.round}/feedback",
        json=body,
        headers=bearer(org.tokens[who]),
    )


def get(org: Org, who: str, path: str) -> Any:
    return org.client.get(f"/api/v1{path}", headers=bearer(org.tokens[who]))


def rows(org: Org, kind: str) -> list[OutboxEvent]:
    with org.runtime.session_factory() as s:
        return list(s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind)))


def test_an_interviewer_sees_only_their_rounds_and_nothing_else(org: Org, ehr: LocalHttp) -> None:
    other = f"{org.round}-other"
    add_round(org.runtime, ehr, other, "app-2", interviewer_ids=["st-hr-li"])
    listing = get(org, ZHOU, "/interviewer/interviews")
    assert listing.status_code == 200
    [item] = listing.get_json()["items"]
    assert item["interview_id"] == org.round
    assert item["candidate_name"] == "张伟" and item["position"] == "门店店员（夜班）"
    assert item["meeting_url"] == "https://meet.example/r2" and item["feedback_given"] is False

    assert get(org, ZHOU, f"/interviewer/interviews/{other}").status_code == 404
    # Role interviewer: no positions, no applications, no statistics.
    assert get(org, ZHOU, "/hr/positions").get_json()["items"] == []
    assert get(org, ZHOU, "/hr/applications/app-1").status_code == 404
    assert get(org, ZHOU, "/hr/positions/pos-store-night/stats").status_code == 404
    # An HR specialist of another position sees the round she is assigned to; the position's
    # own HR owner, not assigned, does not see it as an interviewer.
    assert get(org, SUN, f"/interviewer/interviews/{org.round}").status_code == 200
    assert get(org, "st-hr-li", f"/interviewer/interviews/{org.round}").status_code == 404
    assert get(org, "st-hr-li", f"/interviewer/interviews/{other}").status_code == 200


# The interviewer endpoints x who asks: assigned (any role) 2xx; staff not assigned, whatever
# their scope as HR (the position's owner, an admin), 404; a candidate 403 (not staff).
MATRIX = {ZHOU: 200, SUN: 200, "st-hr-li": 404, "st-admin": 404, "cand-01": 403}


@pytest.mark.parametrize(("who", "status"), MATRIX.items(), ids=list(MATRIX))
def test_the_authorization_matrix_of_a_round(org: Org, who: str, status: int) -> None:
    briefing = get(org, who, f"/interviewer/interviews/{org.round}")
    assert briefing.status_code == status
    ok = {200: 201}.get(status, status)
    assert give(org, who, idempotency_key=f"m-{who}").status_code == ok
    if status >= 400:
        assert set(briefing.get_json()["error"]) == {"code", "message"}


def test_the_briefing_carries_the_ai_report_and_what_to_probe(org: Org) -> None:
    briefing = get(org, ZHOU, f"/interviewer/interviews/{org.round}").get_json()
    assert briefing["ai"]["overall"] == 78.0
    assert [d["key"] for d in briefing["ai"]["dimensions"]] == ["logic", "communication"]
    assert briefing["weakest"][0]["key"] == "logic" and briefing["weakest"][0]["questions"]
    assert briefing["can_give_feedback"] is True
    assert [r["key"] for r in briefing["default_ratings"]] == ["logic", "communication"]
    assert briefing["my_feedback"] is None and briefing["others_feedback"] is None


def test_feedback_rules(org: Org, ehr: LocalHttp) -> None:
    later = f"{org.round}-later"
    add_round(org.runtime, ehr, later, "app-1", start=NOW + timedelta(hours=3))
    early = give(org, ZHOU, later)
    assert early.status_code == 409
    assert early.get_json()["error"]["code"] == "round_not_started"
    assert give(org, "st-hr-li").status_code == 404  # not an interviewer of this round
    assert give(org, ZHOU, result="maybe").status_code == 400
    bad = give(org, ZHOU, ratings=[{"key": "logic", "score": 120, "max_score": 100}])
    assert bad.status_code == 400

    first = give(org, ZHOU)
    assert first.status_code == 201, first.get_json()
    again = give(org, ZHOU)  # a double submit: the same key is one submission
    assert again.get_json()["version"] == first.get_json()["version"] == 1
    decisions = ehr.get("/_demo/decisions")["decisions"]
    writes = [d for d in decisions if d.get("feedback_id") and d["interview_id"] == org.round]
    assert len(writes) == 1

    changed = give(org, ZHOU, result="hold", comment="再想想", idempotency_key="k2")
    assert changed.status_code == 201
    assert changed.get_json()["version"] == 2 and changed.get_json()["result"] == "hold"
    with org.runtime.session_factory() as s:
        history = list_history(s, "feedback", first.get_json()["feedback_id"])
    assert [h.version for h in history] == [1, 2]  # the change is a new version, kept
    assert len(rows(org, OUTBOX_FEEDBACK_SUBMITTED)) == 2


def test_others_feedback_is_hidden_until_mine_is_given(org: Org) -> None:
    assert give(org, SUN, idempotency_key="sun").status_code == 201
    before = get(org, ZHOU, f"/interviewer/interviews/{org.round}").get_json()
    assert before["others_feedback"] is None
    assert {i["staff_id"]: i["answered"] for i in before["interviewers"]} == {
        ZHOU: False,
        SUN: True,
    }
    give(org, ZHOU)
    after = get(org, ZHOU, f"/interviewer/interviews/{org.round}").get_json()
    assert after["my_feedback"]["result"] == "pass"
    assert [o["staff_name"] for o in after["others_feedback"]] == ["孙丽"]


def test_the_summary_reaches_hr_once_when_the_last_feedback_lands(org: Org, sim: LocalHttp) -> None:
    sim.post("/_sim/reset", {})
    assert give(org, ZHOU, result="pass").status_code == 201
    run_jobs(org.runtime)
    assert rows(org, OUTBOX_FEEDBACK_COMPLETE) == []

    # 孙丽's feedback arrives from the EHR itself (feedback.upserted), rating far from the AI.
    data = ev.feedback(
        "fb-ehr-sun",
        interview_id=org.round,
        staff_id=SUN,
        result="fail",
        ratings=[{"key": "communication", "label": "沟通", "score": 20, "max_score": 100}],
    )
    push = make_push(org.client, org.runtime.settings.require("EHR_WEBHOOK_SECRET"))
    push([ev.event("feedback", data)])
    run_jobs(org.runtime)
    push([ev.event("feedback", {**data, "version": 2, "comment": "改"})])  # a later change
    run_jobs(org.runtime)

    assert len(rows(org, OUTBOX_FEEDBACK_COMPLETE)) == 1
    for user in (HR_LI, HR_WANG):
        found = sim.get("/_sim/cards", params={"userid": user})["cards"]
        [card] = [c for c in found if c["template_id"] == SUMMARY]
        assert "周杰" in card["public"]["results"] and "孙丽" in card["public"]["results"]
        assert "（AI 90）" in card["public"]["results"]
        assert "结论不一致" in card["public"]["disagreements"]
        assert "差距较大" in card["public"]["disagreements"]
        assert card["public"]["interview_id"] == org.round
