"""The calendar API (calendar_1.0) driven through the unmodified alibabacloud-dingtalk SDK."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_dingtalk.calendar_1_0.client import Client as CalendarClient
from alibabacloud_tea_util.models import RuntimeOptions
from Tea.exceptions import TeaException

from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import get_token, sdk_config

START = {"dateTime": "2026-11-20T10:00:00+08:00", "timeZone": "Asia/Shanghai"}
END = {"dateTime": "2026-11-20T11:00:00+08:00", "timeZone": "Asia/Shanghai"}


@pytest.fixture
def api(sim: SimClient) -> CalendarClient:
    return CalendarClient(sdk_config(sim.base_url))


@pytest.fixture
def token(sim: SimClient, org: dict[str, Any]) -> str:
    return get_token(sim.base_url, org["app_key"], org["app_secret"])


@pytest.fixture
def unions(org: dict[str, Any]) -> dict[str, str]:
    return {u["userid"]: u["unionid"] for u in org["users"]}


def _create(
    api: CalendarClient, token: str, organizer: str, attendees: list[str], **extra: Any
) -> Any:
    request = cal.CreateEventRequest(
        summary="二面：张伟",
        description="门店店员（夜班）",
        start=cal.CreateEventRequestStart(date_time=START["dateTime"], time_zone="Asia/Shanghai"),
        end=cal.CreateEventRequestEnd(date_time=END["dateTime"], time_zone="Asia/Shanghai"),
        attendees=[cal.CreateEventRequestAttendees(id=a, is_optional=False) for a in attendees],
        location=cal.CreateEventRequestLocation(display_name="3 号会议室"),
        reminders=[cal.CreateEventRequestReminders(method="dingtalk", minutes=15)],
        **extra,
    )
    headers = cal.CreateEventHeaders(x_acs_dingtalk_access_token=token)
    return api.create_event_with_options(organizer, "primary", request, headers, RuntimeOptions())


def _ids(sim: SimClient, userid: str) -> list[str]:
    return [e["id"] for e in sim.get("/_sim/calendar", params={"userid": userid})["events"]]


def test_an_event_shows_in_the_organizer_and_every_attendee_calendar(
    sim: SimClient, api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    body = _create(api, token, unions["hr_lina"], [unions["mgr_zhaomin"], unions["cand_01"]]).body
    assert body.id and body.summary == "二面：张伟"
    assert body.organizer.id == unions["hr_lina"] and body.organizer.self_ is True
    assert [a.id for a in body.attendees] == [unions["mgr_zhaomin"], unions["cand_01"]]
    assert body.start.date_time == START["dateTime"] and body.location.display_name == "3 号会议室"
    assert body.reminders[0].minutes == 15
    for userid in ("hr_lina", "mgr_zhaomin", "cand_01"):
        assert _ids(sim, userid) == [body.id]
    assert _ids(sim, "hr_wangqiang") == []
    listed = sim.get("/_sim/calendar", params={"userid": "cand_01"})["events"][0]
    assert listed["organizer"] == "hr_lina"
    assert [a["userid"] for a in listed["attendees"]] == ["mgr_zhaomin", "cand_01"]


def test_a_dingtalk_meeting_is_booked_on_request(
    api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    meeting = cal.CreateEventRequestOnlineMeetingInfo(type="dingtalk")
    body = _create(api, token, unions["hr_lina"], [], online_meeting_info=meeting).body
    assert body.online_meeting_info.type == "dingtalk" and body.online_meeting_info.url


def test_the_same_client_token_is_the_same_event(
    sim: SimClient, api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    request = cal.CreateEventRequest(
        summary="s",
        start=cal.CreateEventRequestStart(date_time=START["dateTime"], time_zone="Asia/Shanghai"),
        end=cal.CreateEventRequestEnd(date_time=END["dateTime"], time_zone="Asia/Shanghai"),
    )
    headers = cal.CreateEventHeaders(x_acs_dingtalk_access_token=token, x_client_token="k-1")
    first, second = (
        api.create_event_with_options(
            unions["hr_lina"], "primary", request, headers, RuntimeOptions()
        ).body.id
        for _ in range(2)
    )
    assert first == second and _ids(sim, "hr_lina") == [first]


def test_patch_changes_time_and_attendees(
    sim: SimClient, api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    event_id = _create(api, token, unions["hr_lina"], [unions["mgr_zhaomin"]]).body.id
    request = cal.PatchEventRequest(
        id=event_id,
        start=cal.PatchEventRequestStart(date_time="2026-11-21T14:00:00+08:00", time_zone="UTC"),
        end=cal.PatchEventRequestEnd(date_time="2026-11-21T15:00:00+08:00", time_zone="UTC"),
        attendees=[cal.PatchEventRequestAttendees(id=unions["mgr_qianwei"])],
    )
    headers = cal.PatchEventHeaders(x_acs_dingtalk_access_token=token)
    body = api.patch_event_with_options(
        unions["hr_lina"], "primary", event_id, request, headers, RuntimeOptions()
    ).body
    assert body.start.date_time == "2026-11-21T14:00:00+08:00"
    assert body.summary == "二面：张伟"  # fields not sent stay
    assert _ids(sim, "mgr_zhaomin") == [] and _ids(sim, "mgr_qianwei") == [event_id]


def test_delete_removes_the_event_everywhere_and_a_second_delete_is_not_found(
    sim: SimClient, api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    event_id = _create(api, token, unions["hr_lina"], [unions["mgr_zhaomin"]]).body.id
    headers = cal.DeleteEventHeaders(x_acs_dingtalk_access_token=token)

    def delete() -> Any:
        return api.delete_event_with_options(
            unions["hr_lina"], "primary", event_id, cal.DeleteEventRequest(), headers,
            RuntimeOptions(),
        )  # fmt: skip

    assert delete().status_code == 200
    assert _ids(sim, "hr_lina") == [] and _ids(sim, "mgr_zhaomin") == []
    with pytest.raises(TeaException) as caught:
        delete()
    assert caught.value.code == "EventNotFound"
    assert caught.value.data["statusCode"] == 404


def test_only_the_organizer_may_patch(
    api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    event_id = _create(api, token, unions["hr_lina"], [unions["mgr_zhaomin"]]).body.id
    request = cal.PatchEventRequest(id=event_id, summary="hijack")
    headers = cal.PatchEventHeaders(x_acs_dingtalk_access_token=token)
    with pytest.raises(TeaException) as caught:
        api.patch_event_with_options(
            unions["mgr_zhaomin"], "primary", event_id, request, headers, RuntimeOptions()
        )
    assert caught.value.data["statusCode"] == 403


def test_a_refused_patch_changes_nothing(
    sim: SimClient, token: str, api: CalendarClient, unions: dict[str, str]
) -> None:
    event_id = _create(api, token, unions["hr_lina"], [unions["mgr_zhaomin"]]).body.id
    path = f"/v1.0/calendar/users/{unions['hr_lina']}/calendars/primary/events/{event_id}"
    body = {"id": event_id, "summary": "changed", "attendees": [{"id": "union-nobody"}]}
    response = sim.raw("PUT", path, json=body, headers={"x-acs-dingtalk-access-token": token})
    assert response.status_code == 400
    event = sim.get("/_sim/calendar", params={"userid": "mgr_zhaomin"})["events"][0]
    assert event["summary"] == "二面：张伟"


def _schedule(api: CalendarClient, token: str, asker: str, users: list[str]) -> Any:
    request = cal.GetScheduleRequest(
        user_ids=users, start_time="2026-11-20T00:00:00.000Z", end_time="2026-11-21T00:00:00.000Z"
    )
    headers = cal.GetScheduleHeaders(x_acs_dingtalk_access_token=token)
    return api.get_schedule_with_options(asker, request, headers, RuntimeOptions()).body


def test_free_busy_shows_events_and_busy_blocks_of_the_asked_users(
    sim: SimClient, api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    _create(api, token, unions["hr_lina"], [unions["mgr_zhaomin"]])
    block = {"userid": "mgr_qianwei", "start": "2026-11-20T06:00:00Z", "summary": "周会"}
    sim.post("/_sim/calendar", block)
    sim.post("/_sim/calendar", {**block, "start": "2026-11-25T06:00:00Z"})  # outside
    asked = [unions["mgr_zhaomin"], unions["mgr_qianwei"], unions["hr_sunli"]]
    info = {
        i.user_id: i for i in _schedule(api, token, unions["hr_lina"], asked).schedule_information
    }
    zhaomin = info[unions["mgr_zhaomin"]].schedule_items
    assert [(i.status, i.start.date_time, i.end.date_time) for i in zhaomin] == [
        ("BUSY", START["dateTime"], END["dateTime"])
    ]
    qianwei = info[unions["mgr_qianwei"]].schedule_items
    assert len(qianwei) == 1 and qianwei[0].start.date_time.startswith("2026-11-20T06:00:00")
    assert not info[unions["hr_sunli"]].schedule_items


def test_free_busy_reports_an_unknown_user_inside_the_answer(
    api: CalendarClient, token: str, unions: dict[str, str]
) -> None:
    info = _schedule(api, token, unions["hr_lina"], ["union-nobody"]).schedule_information
    assert info[0].user_id == "union-nobody" and info[0].error


@pytest.mark.parametrize(
    ("token_header", "code"),
    [(None, "AuthenticationFailed.MissingParameter"), ("bogus", "InvalidAuthentication")],
)
def test_calls_without_a_valid_token_are_rejected(
    sim: SimClient, api: CalendarClient, unions: dict[str, str], token_header: str | None, code: str
) -> None:
    with pytest.raises(TeaException) as caught:
        _create(api, token_header, unions["hr_lina"], [])  # type: ignore[arg-type]
    assert caught.value.code == code
    assert _ids(sim, "hr_lina") == []


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda b: b.update(end=START), "InvalidParameter"),  # end not after start
        (lambda b: b.pop("summary"), "Missingsummary"),
        (lambda b: b.update(start={"dateTime": "2026-11-20T10:00:00"}), "InvalidParameter"),
        (lambda b: b.update(attendees=[{"id": "hr_lina"}]), "InvalidParameter"),  # a userid
    ],
)
def test_malformed_events_are_refused_with_dingtalk_errors(
    sim: SimClient, token: str, unions: dict[str, str], mutate: Any, code: str
) -> None:
    body: dict[str, Any] = {"summary": "s", "start": START, "end": END}
    mutate(body)
    path = f"/v1.0/calendar/users/{unions['hr_lina']}/calendars/primary/events"
    response = sim.raw("POST", path, json=body, headers={"x-acs-dingtalk-access-token": token})
    assert response.status_code == 400 and response.json()["code"] == code


def test_a_userid_in_the_path_is_not_a_union_id(sim: SimClient, token: str) -> None:
    path = "/v1.0/calendar/users/hr_lina/calendars/primary/events"
    body = {"summary": "s", "start": START, "end": END}
    response = sim.raw("POST", path, json=body, headers={"x-acs-dingtalk-access-token": token})
    assert response.status_code == 400 and response.json()["code"] == "InvalidParameter.UserId"


def test_sim_calendar_needs_a_known_userid(sim: SimClient) -> None:
    assert sim.raw("GET", "/_sim/calendar", params={"userid": "nobody"}).status_code == 404
    assert sim.raw("POST", "/_sim/calendar", json={"userid": "hr_lina"}).status_code == 400
