"""Calendar API (calendar_1.0): create, patch and delete events, free/busy; `/_sim/calendar`.

Paths and field names follow the SDK's `alibabacloud_dingtalk.calendar_1_0` models; what the SDK
cannot tell (error codes, who may patch) is chosen here and listed in docs/dingtalk-calendar.md.
As on DingTalk, the `{userId}` of these paths and every attendee id is a unionId.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, json_response, read_json, require
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import CalendarEvent, Sim, new_id, now_ms

PRIMARY = "primary"
SCHEDULE_USER_LIMIT = 20  # "The maximum length of the user list is 20" (GetSchedule docs)
DEFAULT_ZONE = "Asia/Shanghai"


def _bad(message: str) -> NewApiError:
    return NewApiError(400, "InvalidParameter", message)


def _user_by_union(sim: Sim, union_id: str) -> str | None:
    return next((u.userid for u in sim.org.users.values() if u.unionid == union_id), None)


def _path_user(sim: Sim, request: web.Request) -> str:
    union_id = request.match_info["union_id"]
    userid = _user_by_union(sim, union_id)
    if userid is None:
        # The real API wants a unionId here; a plain userid is refused the same way.
        raise NewApiError(400, "InvalidParameter.UserId", f"unionId {union_id!r} not found")
    return userid


def _calendar(request: web.Request) -> None:
    if request.match_info["calendar_id"] != PRIMARY:
        raise _bad("calendarId must be primary")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(f"unknown timeZone {name!r}") from None


def parse_instant(text: Any, zone: str | None = None) -> datetime:
    """An ISO-8601 date-time; one without an offset is read in `zone` (else refused)."""
    if not isinstance(text, str) or not text:
        raise _bad("a date-time string is required")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(f"not an ISO-8601 date-time: {text!r}") from None
    if value.tzinfo is None:
        if not zone:
            raise _bad(f"date-time {text!r} has no offset and no timeZone")
        value = value.replace(tzinfo=_zone(zone))
    return value.astimezone(UTC)


def _bound(raw: Any, name: str, all_day: bool) -> tuple[dict[str, str], datetime]:
    """Validate start/end: {date} for all-day events, {dateTime, timeZone} otherwise."""
    if not isinstance(raw, dict):
        raise _bad(f"{name} must be an object")
    if all_day:
        try:
            day = date.fromisoformat(str(raw.get("date") or ""))
        except ValueError:
            raise _bad(f"{name}.date (yyyy-MM-dd) is required for an all-day event") from None
        midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(DEFAULT_ZONE))
        return {"date": day.isoformat()}, midnight.astimezone(UTC)
    if not raw.get("dateTime"):
        raise _bad(f"{name}.dateTime is required unless isAllDay")
    zone = str(raw.get("timeZone") or "")
    if zone:
        _zone(zone)
    instant = parse_instant(raw["dateTime"], zone or None)
    kept = {"dateTime": str(raw["dateTime"])}
    if zone:
        kept["timeZone"] = zone
    return kept, instant


def _attendees(sim: Sim, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _bad("attendees must be a list")
    found: list[dict[str, Any]] = []
    for item in raw:
        union_id = str(item.get("id") or "") if isinstance(item, dict) else ""
        userid = _user_by_union(sim, union_id)
        if userid is None:
            raise _bad(f"attendee unionId {union_id!r} not found")
        if all(a["userid"] != userid for a in found):
            found.append({"userid": userid, "isOptional": bool(item.get("isOptional", False))})
    return found


def _reminders(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(r, dict) and isinstance(r.get("minutes"), int) for r in raw
    ):
        raise _bad("reminders must be a list of {method, minutes}")
    return [{"method": str(r.get("method") or "dingtalk"), "minutes": r["minutes"]} for r in raw]


def _text_map(raw: Any, name: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise _bad(f"{name} must be an object of strings")
    return dict(raw)


def _apply(sim: Sim, event: CalendarEvent, body: dict[str, Any]) -> None:
    """Copy the fields present in `body` onto `event` (create and patch share this)."""
    all_day = bool(body.get("isAllDay", event.is_all_day))
    if "start" in body or "end" in body or "isAllDay" in body:
        start, start_at = _bound(body.get("start", event.start), "start", all_day)
        end, end_at = _bound(body.get("end", event.end), "end", all_day)
        if end_at <= start_at:
            raise _bad("end must be after start")
        event.start, event.end, event.is_all_day = start, end, all_day
        event.start_ms = int(start_at.timestamp() * 1000)
        event.end_ms = int(end_at.timestamp() * 1000)
    if "summary" in body:
        event.summary = str(body["summary"])
    if "description" in body:
        event.description = str(body["description"] or "")
    if "attendees" in body:
        event.attendees = _attendees(sim, body["attendees"])
    if "location" in body:
        name = str((body["location"] or {}).get("displayName") or "")
        event.location = {"displayName": name} if name else None
    if "onlineMeetingInfo" in body:
        event.online_meeting = _meeting(event.id, body["onlineMeetingInfo"])
    if "reminders" in body:
        event.reminders = _reminders(body["reminders"])
    if "extra" in body:
        event.extra = _text_map(body["extra"], "extra")
    if "freeBusyStatus" in body:
        event.free_busy_status = str(body["freeBusyStatus"]).lower()
    event.updated_at = now_ms()


def _meeting(event_id: str, raw: Any) -> dict[str, str] | None:
    """`{"type": "dingtalk"}` asks DingTalk for a video meeting; it answers with its url."""
    if not raw:
        return None
    if not isinstance(raw, dict) or raw.get("type") != "dingtalk":
        raise _bad('onlineMeetingInfo.type must be "dingtalk"')
    conference = event_id[:12]
    return {
        "type": "dingtalk",
        "conferenceId": conference,
        "url": f"dingtalk://dingtalkclient/page/videoConfFront?roomCode={conference}",
    }


def _utc_text(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%MZ")


def event_body(sim: Sim, event: CalendarEvent, viewer: str) -> dict[str, Any]:
    """The event as CreateEventResponseBody / PatchEventResponseBody serialise it."""

    def person(userid: str) -> dict[str, Any]:
        user = sim.org.users[userid]
        return {"id": user.unionid, "displayName": user.name, "self": userid == viewer}

    body: dict[str, Any] = {
        "id": event.id,
        "summary": event.summary,
        "description": event.description,
        "start": dict(event.start),
        "end": dict(event.end),
        "isAllDay": event.is_all_day,
        "organizer": {**person(event.organizer), "responseStatus": "accepted"},
        "attendees": [
            {**person(a["userid"]), "isOptional": a["isOptional"], "responseStatus": "needsAction"}
            for a in event.attendees
        ],
        "reminders": [dict(r) for r in event.reminders],
        "createTime": _utc_text(event.created_at),
        "updateTime": _utc_text(event.updated_at),
    }
    if event.location:
        body["location"] = dict(event.location)
    if event.online_meeting:
        body["onlineMeetingInfo"] = dict(event.online_meeting)
    return body


def _blank_event(organizer: str) -> CalendarEvent:
    """An event to fill with `_apply`, which validates every field on the way in."""
    return CalendarEvent(
        id=new_id()[:20],
        organizer=organizer,
        attendees=[],
        summary="",
        start={},
        end={},
        start_ms=0,
        end_ms=0,
    )


def _event_of(sim: Sim, request: web.Request, organizer: str) -> CalendarEvent:
    event = sim.store.calendar_events.get(request.match_info["event_id"])
    if event is None or not event.involves(organizer):
        raise NewApiError(404, "EventNotFound", "日程不存在")
    if event.organizer != organizer:
        raise NewApiError(403, "Forbidden.NoPermission", "只有日程组织者可以修改或删除日程")
    return event


async def create_event(request: web.Request) -> web.Response:
    """POST /v1.0/calendar/users/{unionId}/calendars/primary/events."""
    sim = request.app[SIM_KEY]
    organizer = _path_user(sim, request)
    _calendar(request)
    body = await read_json(request)
    require(body, request.path, "summary", "start", "end")
    client_token = request.headers.get("x-client-token", "")
    known = sim.store.calendar_client_tokens.get((organizer, client_token))
    if client_token and known in sim.store.calendar_events:
        # Same x-client-token = same request: answer with the event it created.
        return json_response(event_body(sim, sim.store.calendar_events[known], organizer))
    event = _blank_event(organizer)
    _apply(sim, event, {**body, "isAllDay": bool(body.get("isAllDay", False))})
    sim.store.calendar_events[event.id] = event
    if client_token:
        sim.store.calendar_client_tokens[(organizer, client_token)] = event.id
    return json_response(event_body(sim, event, organizer))


async def patch_event(request: web.Request) -> web.Response:
    """PUT .../events/{eventId}: the body carries `id` and the fields to change."""
    sim = request.app[SIM_KEY]
    organizer = _path_user(sim, request)
    _calendar(request)
    body = await read_json(request)
    require(body, request.path, "id")
    if str(body["id"]) != request.match_info["event_id"]:
        raise _bad("id does not match the eventId of the path")
    # A refused patch changes nothing: apply to a copy, keep it only when all of it is valid.
    event = copy.deepcopy(_event_of(sim, request, organizer))
    _apply(sim, event, {k: v for k, v in body.items() if k != "id"})
    sim.store.calendar_events[event.id] = event
    return json_response(event_body(sim, event, organizer))


async def delete_event(request: web.Request) -> web.Response:
    """DELETE .../events/{eventId}[?pushNotification=]: gone from every attendee's calendar."""
    sim = request.app[SIM_KEY]
    organizer = _path_user(sim, request)
    _calendar(request)
    event = _event_of(sim, request, organizer)
    del sim.store.calendar_events[event.id]
    return web.Response(status=200)


def busy_items(sim: Sim, userid: str, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """The user's non-free events overlapping [start, end), earliest first."""
    events = sorted(
        (
            e
            for e in sim.store.calendar_events.values()
            if e.involves(userid)
            and e.free_busy_status != "free"
            and e.start_ms < end_ms
            and e.end_ms > start_ms
        ),
        key=lambda e: e.start_ms,
    )
    return [{"status": "BUSY", "start": dict(e.start), "end": dict(e.end)} for e in events]


async def query_schedule(request: web.Request) -> web.Response:
    """POST /v1.0/calendar/users/{unionId}/querySchedule {userIds, startTime, endTime}."""
    sim = request.app[SIM_KEY]
    _path_user(sim, request)
    body = await read_json(request)
    require(body, request.path, "userIds", "startTime", "endTime")
    union_ids = body["userIds"]
    if not isinstance(union_ids, list) or len(union_ids) > SCHEDULE_USER_LIMIT:
        raise _bad(f"userIds must be a list of at most {SCHEDULE_USER_LIMIT}")
    start = int(parse_instant(body["startTime"]).timestamp() * 1000)
    end = int(parse_instant(body["endTime"]).timestamp() * 1000)
    if end <= start:
        raise _bad("endTime must be after startTime")
    information = []
    for union_id in union_ids:
        userid = _user_by_union(sim, str(union_id))
        if userid is None:
            # Per-user failures ride inside a 200 answer (the model's `error` field).
            information.append({"userId": union_id, "error": "user not found"})
            continue
        information.append(
            {"userId": union_id, "scheduleItems": busy_items(sim, userid, start, end)}
        )
    return json_response({"scheduleInformation": information})


async def sim_calendar(request: web.Request) -> web.Response:
    """GET /_sim/calendar?userid= lists a user's events; POST adds a busy block for tests."""
    sim = request.app[SIM_KEY]
    if request.method == "POST":
        return json_response(_add_busy_block(sim, await read_json(request)))
    userid = request.query.get("userid", "")
    if userid not in sim.org.users:
        raise NewApiError(404, "UserNotFound", f"unknown userid {userid!r}")
    events = sorted(
        (e for e in sim.store.calendar_events.values() if e.involves(userid)),
        key=lambda e: e.start_ms,
    )
    return json_response({"events": [e.as_dict() for e in events]})


def _add_busy_block(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    userid = str(body.get("userid") or "")
    if userid not in sim.org.users:
        raise NewApiError(404, "UserNotFound", f"unknown userid {userid!r}")
    start = parse_instant(body.get("start"))
    end = parse_instant(body.get("end")) if body.get("end") else start + timedelta(hours=1)
    event = _blank_event(userid)
    _apply(
        sim,
        event,
        {
            "summary": str(body.get("summary") or "忙碌"),
            "start": {"dateTime": start.isoformat(), "timeZone": "UTC"},
            "end": {"dateTime": end.isoformat(), "timeZone": "UTC"},
        },
    )
    sim.store.calendar_events[event.id] = event
    return event.as_dict()


def add_routes(app: web.Application) -> None:
    events = "/v1.0/calendar/users/{union_id}/calendars/{calendar_id}/events"
    app.router.add_post(events, create_event)
    app.router.add_put(events + "/{event_id}", patch_event)
    app.router.add_delete(events + "/{event_id}", delete_event)
    app.router.add_post("/v1.0/calendar/users/{union_id}/querySchedule", query_schedule)
    app.router.add_route("*", "/_sim/calendar", sim_calendar)
