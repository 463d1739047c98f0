"""The demo EHR's scenario of contract v1.1: interviewers in the org, and cand-07's second round."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.ehr.scenario import load_org, scenario_events
from services.ehr.contract import ParsedEvent
from services.ehr.sync import parse_events

# 23:30 in Shanghai on 2 December: "tomorrow" there is 3 December.
NOW = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)


def test_the_scenario_has_interviewers_and_a_second_round_tomorrow_at_ten_in_shanghai() -> None:
    events = scenario_events(load_org(), now=NOW)
    parsed = parse_events(events)
    assert all(isinstance(p, ParsedEvent) for p in parsed)
    interviewers = {
        e["data"]["id"]: e["data"]
        for e in events
        if e["type"] == "staff.upserted" and e["data"]["role"] == "interviewer"
    }
    assert len(interviewers) >= 2
    # The same people exist in the DingTalk sandbox (both simulators read sandbox/demo_org.json).
    org_users = {s["ehr_id"]: s["dingtalk_userid"] for s in load_org()["staff"]}
    assert all(interviewers[i]["dingtalk_user_id"] == org_users[i] for i in interviewers)
    (round_two,) = [e["data"] for e in events if e["data"]["id"] == "iv-07-r2"]
    assert (round_two["round"], round_two["kind"], round_two["status"]) == (
        2,
        "onsite",
        "scheduled",
    )
    assert round_two["scheduled_at"] == "2026-12-03T02:00:00+00:00"  # 10:00 Asia/Shanghai
    assert round_two["duration_minutes"] == 60
    assert len(round_two["interviewer_ids"]) == 2
    # Interviewers of the store's department (East China stores).
    for staff_id in round_two["interviewer_ids"]:
        assert "d-retail-east" in interviewers[staff_id]["department_ids"]
    (application,) = [
        e["data"] for e in events if e["data"]["id"] == "app-07" and e["data"]["version"] == 2
    ]
    assert application["stage"] == "interview"
    # Event ids stay deterministic: re-seeding redelivers.
    assert [e["id"] for e in scenario_events(load_org(), now=NOW)] == [e["id"] for e in events]
