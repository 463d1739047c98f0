"""The calendar adapter (`DingTalkClient.calendar`) against the sandbox, through the real SDK."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from clients.dingtalk import (
    DingTalkClient,
    DingTalkTransient,
    DingTalkUserNotFound,
    make_dingtalk_client,
)
from sandbox.dingtalk.testing import running_sandbox
from storage.runtime import Runtime
from tests.conftest import make_test_settings
from tests.support.servers import LocalHttp

START = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
END = START + timedelta(hours=1)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with running_sandbox(log_file="test-output/clients-calendar-sandbox.log") as url:
        yield url


@pytest.fixture
def sim(sandbox_url: str) -> LocalHttp:
    sim = LocalHttp(sandbox_url)
    sim.post("/_sim/reset")
    return sim


@pytest.fixture
def dingtalk(runtime: Runtime, sim: LocalHttp) -> DingTalkClient:
    settings = make_test_settings(
        runtime.settings.require("DATABASE_URL"),
        runtime.settings.require("REDIS_URL"),
        DINGTALK_API_BASE=sim.base_url,
        DINGTALK_OAPI_BASE=sim.base_url,
    )
    return make_dingtalk_client(settings, runtime.redis)


def _events(sim: LocalHttp, userid: str) -> list[dict[str, Any]]:
    return list(sim.get("/_sim/calendar", params={"userid": userid})["events"])


def _create(dingtalk: DingTalkClient, **overrides: Any) -> str:
    fields: dict[str, Any] = {
        "start": START,
        "end": END,
        "attendee_user_ids": ["mgr_zhaomin", "cand_01"],
        "location": "3 号会议室",
    }
    fields.update(overrides)
    return dingtalk.calendar.create_event("hr_lina", "二面：张伟", "门店店员（夜班）", **fields)


def test_create_event_reaches_every_calendar_by_userid(
    dingtalk: DingTalkClient, sim: LocalHttp
) -> None:
    event_id = _create(dingtalk, meeting_url="https://meet.example/r/1", remind_minutes=30)
    for userid in ("hr_lina", "mgr_zhaomin", "cand_01"):
        assert [e["id"] for e in _events(sim, userid)] == [event_id]
    event = _events(sim, "cand_01")[0]
    assert event["organizer"] == "hr_lina"
    assert [a["userid"] for a in event["attendees"]] == ["mgr_zhaomin", "cand_01"]
    assert event["start"] == {"dateTime": "2026-11-20T10:00:00+08:00", "timeZone": "Asia/Shanghai"}
    assert event["location"] == {"displayName": "3 号会议室"}
    assert "https://meet.example/r/1" in event["description"]
    assert event["reminders"] == [{"method": "dingtalk", "minutes": 30}]


def test_union_ids_are_looked_up_once_per_user(dingtalk: DingTalkClient, sim: LocalHttp) -> None:
    _create(dingtalk)
    _create(dingtalk, attendee_user_ids=["mgr_zhaomin"])
    # hr_lina, mgr_zhaomin and cand_01: three lookups for two events.
    assert sim.get("/_sim/stats")["requests"]["/topapi/v2/user/get"] == 3


def test_an_idempotency_key_makes_a_retry_the_same_event(
    dingtalk: DingTalkClient, sim: LocalHttp
) -> None:
    first = _create(dingtalk, idempotency_key="round-7-v1")
    assert _create(dingtalk, idempotency_key="round-7-v1") == first
    assert len(_events(sim, "hr_lina")) == 1


def test_update_event_moves_the_round_and_changes_interviewers(
    dingtalk: DingTalkClient, sim: LocalHttp
) -> None:
    event_id = _create(dingtalk)
    later = START + timedelta(days=1)
    dingtalk.calendar.update_event(
        "hr_lina",
        event_id,
        summary="二面：张伟（改期）",
        description="",
        start=later,
        end=later + timedelta(minutes=45),
        attendee_user_ids=["mgr_qianwei", "cand_01"],
        meeting_url="https://meet.example/r/2",
    )
    assert _events(sim, "mgr_zhaomin") == []
    event = _events(sim, "mgr_qianwei")[0]
    assert event["id"] == event_id and event["summary"] == "二面：张伟（改期）"
    assert event["end"]["dateTime"] == "2026-11-21T10:45:00+08:00"
    assert event["location"] is None  # onsite became video: the room is gone


def test_delete_event_is_idempotent(dingtalk: DingTalkClient, sim: LocalHttp) -> None:
    event_id = _create(dingtalk)
    dingtalk.calendar.delete_event("hr_lina", event_id)
    dingtalk.calendar.delete_event("hr_lina", event_id)  # already gone: fine
    assert _events(sim, "hr_lina") == [] and _events(sim, "cand_01") == []


def test_busy_times_by_userid_as_aware_utc(dingtalk: DingTalkClient, sim: LocalHttp) -> None:
    _create(dingtalk)
    sim.post("/_sim/calendar", {"userid": "mgr_qianwei", "start": "2026-11-20T06:00:00Z"})
    busy = dingtalk.calendar.busy_times(
        ["mgr_zhaomin", "mgr_qianwei", "hr_sunli"],
        START - timedelta(hours=8),
        START + timedelta(hours=16),
    )
    assert busy == {
        "mgr_zhaomin": [(START, END)],
        "mgr_qianwei": [
            (datetime(2026, 11, 20, 6, tzinfo=UTC), datetime(2026, 11, 20, 7, tzinfo=UTC))
        ],
        "hr_sunli": [],
    }
    assert busy["mgr_zhaomin"][0][0].utcoffset() == timedelta(0)


def test_busy_times_asks_at_most_twenty_users_per_call(
    dingtalk: DingTalkClient, sim: LocalHttp
) -> None:
    users = [u["userid"] for u in sim.get("/_sim/org")["users"]]
    assert len(users) > 20
    _create(dingtalk)
    busy = dingtalk.calendar.busy_times(users, START, END)
    assert set(busy) == set(users) and busy["cand_01"] == [(START, END)]
    assert (
        sum(
            n
            for path, n in sim.get("/_sim/stats")["requests"].items()
            if path.endswith("/querySchedule")
        )
        == 2
    )


def test_an_unknown_userid_is_a_typed_error(dingtalk: DingTalkClient, sim: LocalHttp) -> None:
    with pytest.raises(DingTalkUserNotFound):
        _create(dingtalk, attendee_user_ids=["nobody"])
    assert _events(sim, "hr_lina") == []


def test_a_server_error_is_transient(dingtalk: DingTalkClient, sim: LocalHttp) -> None:
    union = next(u["unionid"] for u in sim.get("/_sim/org")["users"] if u["userid"] == "hr_lina")
    path = f"/v1.0/calendar/users/{union}/calendars/primary/events"
    sim.post("/_sim/faults", {"path": path, "kind": "500"})
    with pytest.raises(DingTalkTransient):
        _create(dingtalk)


@pytest.mark.parametrize(
    ("start", "end"),
    [(START.replace(tzinfo=None), END.replace(tzinfo=None)), (END, START)],
)
def test_naive_or_backwards_times_are_refused_before_any_call(
    dingtalk: DingTalkClient, sim: LocalHttp, start: datetime, end: datetime
) -> None:
    with pytest.raises(ValueError):
        _create(dingtalk, start=start, end=end)
    assert _events(sim, "hr_lina") == []
