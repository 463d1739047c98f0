"""What a scheduled round sends, end to end: API -> demo EHR -> cache -> outbox -> RQ job ->
real SDK -> DingTalk sandbox (cards and calendars); clicks from the sandbox -> real
`python -m bot.listener` -> database -> HR's card with the note.

The calendar step runs as the proposed job `jobs/rounds.py` would (see services/rounds/
calendar_sync.py): `sync_round_calendar` with the worker's DingTalk client, then the cards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from jobs import context
from sandbox.ehr import events as ev
from services.rounds.calendar_sync import sync_round_calendar
from storage.models import Interview
from storage.round_models import RoundCalendarEvent, RoundResponse
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_RESCHEDULE_REQUESTED
from tests.bot.conftest import run_jobs
from tests.bot.scenario import NOW
from tests.notify.conftest import make_push
from tests.rounds.conftest import INTERVIEWER_UIDS, round_body
from tests.support.servers import LocalHttp
from web import create_app

Headers = Callable[[str], dict[str, str]]
ROUND_CARD, CHANGED, REQUEST_HR = (
    "mi-round-scheduled-v1.schema",
    "mi-round-changed-v1.schema",
    "mi-reschedule-request-hr-v1.schema",
)
CANDIDATE = "cand_01"


def cards(sim: LocalHttp, userid: str, template: str) -> list[dict[str, Any]]:
    found = sim.get("/_sim/cards", params={"userid": userid})["cards"]
    return [c for c in found if c["template_id"] == template]


def calendar(sim: LocalHttp, userid: str) -> list[dict[str, Any]]:
    return list(sim.get("/_sim/calendar", params={"userid": userid})["events"])


def settle(runtime: Runtime, interview_id: str) -> None:
    """The job's work: the calendar event brought in line, then the queued card jobs."""
    sync_round_calendar(runtime.session_factory, context.current().dingtalk.calendar, interview_id)
    run_jobs(runtime)


def schedule(http: FlaskClient, headers: dict[str, str], app_id: str, **over: Any) -> Any:
    path = f"/api/v1/hr/applications/{app_id}/interviews"
    response = http.post(path, headers=headers, json=round_body(**over))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_scheduled_round_reaches_calendars_and_the_candidate_once(
    http: FlaskClient, hr_headers: Headers, app_id: str, sim: LocalHttp, bot_runtime: Runtime
) -> None:
    made = schedule(http, hr_headers("st-hr-li"), app_id)
    settle(bot_runtime, made["id"])
    settle(bot_runtime, made["id"])  # a retried job: nothing twice
    for uid in (*INTERVIEWER_UIDS, CANDIDATE):
        events = calendar(sim, uid)
        assert len(events) == 1, (uid, events)
        assert events[0]["reminders"][0]["minutes"] == 15
    [card] = cards(sim, CANDIDATE, ROUND_CARD)
    data = card["public"]
    assert data["meeting_url"] == "https://meet.example.com/r2"
    assert data["interviewers"] and data["round_kind"] == "视频面试"
    assert data["response"] == ""


def test_the_form_sees_the_clash_with_the_new_round(
    http: FlaskClient, hr_headers: Headers, app_id: str, sim: LocalHttp, bot_runtime: Runtime
) -> None:
    made = schedule(http, hr_headers("st-hr-li"), app_id)
    settle(bot_runtime, made["id"])
    start = datetime.fromisoformat(made["scheduled_at"])
    query = {
        "staff_ids": "st-mgr-zhao,st-hr-sun",
        "start": (start - timedelta(hours=1)).isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
    }
    busy = http.get("/api/v1/hr/calendar/busy", headers=hr_headers("st-hr-li"), query_string=query)
    assert busy.status_code == 200, busy.get_json()
    for item in busy.get_json()["items"]:
        spans = [
            (datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]))
            for b in item["busy"]
        ]
        assert any(a <= start < b for a, b in spans), item


def move_then_cancel(
    http: FlaskClient, headers: dict[str, str], app_id: str, runtime: Runtime
) -> tuple[str, datetime]:
    made = schedule(http, headers, app_id)
    settle(runtime, made["id"])
    later = NOW + timedelta(days=4)
    body = {"scheduled_at": later.isoformat(), "idempotency_key": f"{app_id}-move"}
    moved = http.post(f"/api/v1/hr/interviews/{made['id']}/reschedule", headers=headers, json=body)
    assert moved.status_code == 200, moved.get_json()
    settle(runtime, made["id"])
    return made["id"], later


def cancel(http: FlaskClient, headers: dict[str, str], app_id: str, interview_id: str) -> None:
    body = {"reason": "岗位已招满", "idempotency_key": f"{app_id}-cancel"}
    gone = http.post(f"/api/v1/hr/interviews/{interview_id}/cancel", headers=headers, json=body)
    assert gone.status_code == 200, gone.get_json()


def test_reschedule_and_cancel_from_dingtalk_update_the_calendar(
    http: FlaskClient, hr_headers: Headers, app_id: str, sim: LocalHttp, bot_runtime: Runtime
) -> None:
    headers = hr_headers("st-hr-li")
    interview_id, later = move_then_cancel(http, headers, app_id, bot_runtime)
    [event] = calendar(sim, INTERVIEWER_UIDS[0])
    assert datetime.fromisoformat(event["start"]["dateTime"]) == later
    cancel(http, headers, app_id, interview_id)
    settle(bot_runtime, interview_id)
    assert calendar(sim, INTERVIEWER_UIDS[0]) == []
    with bot_runtime.session_factory() as s:
        row = s.get(RoundCalendarEvent, interview_id)
        assert row is not None and row.state == "cancelled"


def test_reschedule_and_cancel_tell_the_candidate_and_the_interviewers(
    http: FlaskClient, hr_headers: Headers, app_id: str, sim: LocalHttp, bot_runtime: Runtime
) -> None:
    headers = hr_headers("st-hr-li")
    interview_id, _ = move_then_cancel(http, headers, app_id, bot_runtime)
    cancel(http, headers, app_id, interview_id)
    settle(bot_runtime, interview_id)
    for uid in (CANDIDATE, *INTERVIEWER_UIDS):
        changes = sorted(c["public"]["change"] for c in cards(sim, uid, CHANGED))
        assert changes == ["cancelled", "moved"], uid
    [gone] = [c for c in cards(sim, CANDIDATE, CHANGED) if c["public"]["change"] == "cancelled"]
    assert gone["public"]["cancel_reason"] == "岗位已招满"


def test_a_move_from_the_ehr_updates_the_calendar(
    http: FlaskClient, hr_headers: Headers, app_id: str, sim: LocalHttp, bot_runtime: Runtime
) -> None:
    made = schedule(http, hr_headers("st-hr-li"), app_id)
    settle(bot_runtime, made["id"])
    later = NOW + timedelta(days=6)
    data = {**made, "version": 2, "scheduled_at": ev.iso(later), "status": "scheduled"}
    data.update(invitation_url=None, deadline_at=None, invited_at=None, opened_at=None)
    data.update(attended_at=None, interviewer_names=[])
    app = create_app(runtime=bot_runtime, test_config={"TESTING": True}).test_client()
    make_push(app, bot_runtime.settings.require("EHR_WEBHOOK_SECRET"))(
        [ev.event("interview", data)]
    )
    settle(bot_runtime, made["id"])
    [event] = calendar(sim, INTERVIEWER_UIDS[1])
    assert datetime.fromisoformat(event["start"]["dateTime"]) == later


def press(sim: LocalHttp, card: str, user: str, action: str, **params: str) -> dict[str, Any]:
    body = {"userid": user, "action_ids": [action], "params": {"action": action, **params}}
    result: dict[str, Any] = sim.post(f"/_sim/cards/{card}/click", body)
    assert result["delivered"], result
    return result


def test_candidate_asks_for_another_time_and_hr_gets_the_note(
    http: FlaskClient,
    hr_headers: Headers,
    app_id: str,
    connected: LocalHttp,
    bot_runtime: Runtime,
) -> None:
    made = schedule(http, hr_headers("st-hr-li"), app_id)
    settle(bot_runtime, made["id"])
    [card] = cards(connected, CANDIDATE, ROUND_CARD)
    track = card["out_track_id"]
    press(connected, track, CANDIDATE, "round_another_time", interview_id=made["id"], note="later")
    press(connected, track, CANDIDATE, "round_another_time", interview_id=made["id"], note="later")
    with bot_runtime.session_factory() as s:
        rows = list(
            s.scalars(select(OutboxEvent).where(OutboxEvent.kind == OUTBOX_RESCHEDULE_REQUESTED))
        )
        assert len(rows) == 1
        [answer] = s.scalars(select(RoundResponse)).all()
        assert (answer.response, answer.note) == ("reschedule_requested", "希望延后")
    run_jobs(bot_runtime)
    for hr in ("hr_lina", "hr_wangqiang"):
        [request] = cards(connected, hr, REQUEST_HR)
        assert request["public"]["note"] == "希望延后"
        assert request["public"]["schedule_url"].endswith(f"/#/hr/applications/{app_id}/schedule")
    # Someone else pressing the candidate's card changes nothing.
    press(connected, track, "cand_02", "round_confirm", interview_id=made["id"])
    with bot_runtime.session_factory() as s:
        assert [r.response for r in s.scalars(select(RoundResponse))] == ["reschedule_requested"]
        assert s.get(Interview, made["id"]) is not None
