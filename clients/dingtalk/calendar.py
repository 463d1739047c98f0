"""DingTalk's calendar (`alibabacloud_dingtalk.calendar_1_0`): events and free/busy by userid.

The calendar API names people by unionId (path `{userId}` and attendee ids, see
docs/dingtalk-calendar.md); the app speaks DingTalk userids, so `DingTalkCalendar` looks each
unionId up once through `topapi/v2/user/get` and keeps it for the life of the process (a
unionId never changes). Datetimes are aware in and aware UTC out; events are sent in
Asia/Shanghai, the time zone the organisation's people read them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from alibabacloud_dingtalk.calendar_1_0 import models as cal
from alibabacloud_dingtalk.calendar_1_0.client import Client as CalendarClient

from clients.dingtalk.errors import (
    DingTalkBadRequest,
    DingTalkError,
    DingTalkTransient,
)
from clients.dingtalk.oapi import DingTalkUser
from clients.dingtalk.openapi import call_sdk, runtime_options, sdk_config

T = TypeVar("T")
Caller = Callable[[str, Callable[[str], Any]], Any]  # DingTalkClient._call: limiter + token
Span = tuple[datetime, datetime]

PRIMARY = "primary"
EVENT_ZONE = "Asia/Shanghai"
SCHEDULE_BATCH = 20  # GetSchedule takes at most 20 userIds
REMINDER_METHOD = "dingtalk"
API_CREATE, API_PATCH, API_DELETE, API_SCHEDULE = (
    "calendar/events/create",
    "calendar/events/patch",
    "calendar/events/delete",
    "calendar/querySchedule",
)


@dataclass(frozen=True)
class EventSpec:
    """What an event says, with attendees already as unionIds."""

    summary: str
    description: str
    start: datetime
    end: datetime
    attendee_union_ids: tuple[str, ...]
    location: str | None = None
    meeting_url: str | None = None
    remind_minutes: int | None = 15


def event_time(value: datetime) -> dict[str, str]:
    """`{dateTime, timeZone}` in Asia/Shanghai; naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("calendar times must be timezone-aware")
    local = value.astimezone(ZoneInfo(EVENT_ZONE))
    return {"dateTime": local.isoformat(timespec="seconds"), "timeZone": EVENT_ZONE}


def query_time(value: datetime) -> str:
    """UTC with milliseconds: GetSchedule documents UTC ISO-8601 (`...Z`)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("calendar times must be timezone-aware")
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_bound(date_time: str | None, time_zone: str | None, day: str | None) -> datetime:
    """A schedule item's start/end (`{dateTime, timeZone}` or all-day `{date}`) as aware UTC."""
    zone = ZoneInfo(time_zone or EVENT_ZONE)
    if date_time:
        value = datetime.fromisoformat(date_time)
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    if day:
        return datetime.combine(date.fromisoformat(day), time(), zone).astimezone(UTC)
    raise ValueError("schedule item without dateTime or date")


def _description(spec: EventSpec) -> str:
    # CreateEventRequestOnlineMeetingInfo only has `type` (it books a DingTalk meeting): an
    # outside meeting link can only travel in the text.
    if not spec.meeting_url:
        return spec.description
    return f"{spec.description}\n会议链接：{spec.meeting_url}".strip()


class CalendarApi:
    """The SDK's calendar client aimed at `api_base`: token and unionIds in, typed errors out."""

    def __init__(self, api_base: str, *, timeout_seconds: float) -> None:
        self._runtime = runtime_options(timeout_seconds)
        self._client = CalendarClient(sdk_config(api_base))

    def _sdk(self, api: str, fn: Callable[[], T]) -> T:
        return call_sdk(api, fn)

    def create(self, token: str, organizer: str, spec: EventSpec, client_token: str | None) -> str:
        """CreateEvent in the organizer's primary calendar; return the event id."""
        request = cal.CreateEventRequest(
            summary=spec.summary,
            description=_description(spec),
            start=cal.CreateEventRequestStart(**_snake(event_time(spec.start))),
            end=cal.CreateEventRequestEnd(**_snake(event_time(spec.end))),
            is_all_day=False,
            attendees=[
                cal.CreateEventRequestAttendees(id=u, is_optional=False)
                for u in spec.attendee_union_ids
            ],
            location=cal.CreateEventRequestLocation(display_name=spec.location)
            if spec.location
            else None,
            reminders=_reminders(cal.CreateEventRequestReminders, spec.remind_minutes),
        )
        headers = cal.CreateEventHeaders(
            x_acs_dingtalk_access_token=token, x_client_token=client_token
        )
        response = self._sdk(
            API_CREATE,
            lambda: self._client.create_event_with_options(
                organizer, PRIMARY, request, headers, self._runtime
            ),
        )
        return str(response.body.id)

    def patch(self, token: str, organizer: str, event_id: str, spec: EventSpec) -> None:
        """PatchEvent with every field, so the event says exactly what `spec` says."""
        request = cal.PatchEventRequest(
            id=event_id,
            summary=spec.summary,
            description=_description(spec),
            start=cal.PatchEventRequestStart(**_snake(event_time(spec.start))),
            end=cal.PatchEventRequestEnd(**_snake(event_time(spec.end))),
            is_all_day=False,
            attendees=[
                cal.PatchEventRequestAttendees(id=u, is_optional=False)
                for u in spec.attendee_union_ids
            ],
            # An empty name clears a location that no longer applies (onsite → video).
            location=cal.PatchEventRequestLocation(display_name=spec.location or ""),
            reminders=_reminders(cal.PatchEventRequestReminders, spec.remind_minutes),
        )
        headers = cal.PatchEventHeaders(x_acs_dingtalk_access_token=token)
        self._sdk(
            API_PATCH,
            lambda: self._client.patch_event_with_options(
                organizer, PRIMARY, event_id, request, headers, self._runtime
            ),
        )

    def delete(self, token: str, organizer: str, event_id: str) -> None:
        request = cal.DeleteEventRequest(push_notification=True)
        headers = cal.DeleteEventHeaders(x_acs_dingtalk_access_token=token)
        self._sdk(
            API_DELETE,
            lambda: self._client.delete_event_with_options(
                organizer, PRIMARY, event_id, request, headers, self._runtime
            ),
        )

    def schedule(
        self, token: str, asker: str, union_ids: list[str], span: Span
    ) -> dict[str, list[Span]]:
        """GetSchedule: unionId -> busy spans; a per-user `error` becomes DingTalkBadRequest."""
        request = cal.GetScheduleRequest(
            user_ids=union_ids, start_time=query_time(span[0]), end_time=query_time(span[1])
        )
        headers = cal.GetScheduleHeaders(x_acs_dingtalk_access_token=token)
        response = self._sdk(
            API_SCHEDULE,
            lambda: self._client.get_schedule_with_options(asker, request, headers, self._runtime),
        )
        found: dict[str, list[Span]] = {}
        for info in response.body.schedule_information or []:
            if info.error:
                raise DingTalkBadRequest(
                    f"no free/busy for {info.user_id}: {info.error}"[:300], api=API_SCHEDULE
                )
            found[str(info.user_id)] = [
                (_bound(item.start), _bound(item.end)) for item in info.schedule_items or []
            ]
        return found


def _snake(bound: dict[str, str]) -> dict[str, str]:
    return {"date_time": bound["dateTime"], "time_zone": bound["timeZone"]}


def _reminders(model: Callable[..., T], minutes: int | None) -> list[T] | None:
    return None if minutes is None else [model(method=REMINDER_METHOD, minutes=minutes)]


def _bound(item: Any) -> datetime:
    if item is None:
        raise DingTalkTransient("schedule item without start/end", api=API_SCHEDULE)
    return parse_bound(item.date_time, item.time_zone, item.date)


class DingTalkCalendar:
    """Calendar calls by DingTalk userid, through the shared limiter, token and refresh."""

    def __init__(
        self, api: CalendarApi, *, call: Caller, get_user: Callable[[str], DingTalkUser]
    ) -> None:
        self._api = api
        self._call = call
        self._get_user = get_user
        self._union_ids: dict[str, str] = {}

    def union_id(self, user_id: str) -> str:
        """The user's unionId, looked up once per process."""
        cached = self._union_ids.get(user_id)
        if cached is None:
            cached = self._get_user(user_id).unionid
            if not cached:
                raise DingTalkBadRequest(f"user {user_id} has no unionId", api="user/get")
            self._union_ids[user_id] = cached
        return cached

    def _spec(self, attendee_user_ids: Iterable[str], **fields: Any) -> EventSpec:
        event_time(fields["start"])  # refuse naive datetimes here, not as a failed call
        event_time(fields["end"])
        if fields["end"] <= fields["start"]:
            raise ValueError("an event must end after it starts")
        unions = tuple(dict.fromkeys(self.union_id(u) for u in attendee_user_ids))
        return EventSpec(attendee_union_ids=unions, **fields)

    def create_event(
        self,
        organizer_user_id: str,
        summary: str,
        description: str,
        *,
        start: datetime,
        end: datetime,
        attendee_user_ids: Iterable[str],
        location: str | None = None,
        meeting_url: str | None = None,
        remind_minutes: int | None = 15,
        idempotency_key: str | None = None,
    ) -> str:
        """Create the event in the organizer's calendar and every attendee's; return its id.

        `idempotency_key` travels as `x-client-token`: a retry with the same key is the same
        event (DingTalk keeps the key for a day).
        """
        spec = self._spec(
            attendee_user_ids,
            summary=summary,
            description=description,
            start=start,
            end=end,
            location=location,
            meeting_url=meeting_url,
            remind_minutes=remind_minutes,
        )
        organizer = self.union_id(organizer_user_id)
        result: str = self._call(
            API_CREATE, lambda t: self._api.create(t, organizer, spec, idempotency_key)
        )
        return result

    def update_event(
        self,
        organizer_user_id: str,
        event_id: str,
        *,
        summary: str,
        description: str,
        start: datetime,
        end: datetime,
        attendee_user_ids: Iterable[str],
        location: str | None = None,
        meeting_url: str | None = None,
        remind_minutes: int | None = 15,
    ) -> None:
        """Make the event say exactly this (a reschedule, new interviewers, a new place)."""
        spec = self._spec(
            attendee_user_ids,
            summary=summary,
            description=description,
            start=start,
            end=end,
            location=location,
            meeting_url=meeting_url,
            remind_minutes=remind_minutes,
        )
        organizer = self.union_id(organizer_user_id)
        self._call(API_PATCH, lambda t: self._api.patch(t, organizer, event_id, spec))

    def delete_event(self, organizer_user_id: str, event_id: str) -> None:
        """Delete the event for everyone; an event already gone counts as deleted."""
        organizer = self.union_id(organizer_user_id)
        try:
            self._call(API_DELETE, lambda t: self._api.delete(t, organizer, event_id))
        except DingTalkError as exc:
            if not _is_not_found(exc):
                raise

    def busy_times(
        self, user_ids: Iterable[str], start: datetime, end: datetime
    ) -> dict[str, list[Span]]:
        """Each user's busy spans overlapping [start, end), as aware UTC datetimes."""
        query_time(start), query_time(end)  # refuse naive datetimes before any call
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        by_union = {self.union_id(u): u for u in ids}
        # The path user is whose behalf the query is made on; any of the asked users will do.
        asker = next(iter(by_union))
        found: dict[str, list[Span]] = {u: [] for u in ids}
        unions = list(by_union)
        for offset in range(0, len(unions), SCHEDULE_BATCH):
            batch = unions[offset : offset + SCHEDULE_BATCH]
            answer: dict[str, list[Span]] = self._call(
                API_SCHEDULE, partial(self._schedule, asker=asker, batch=batch, span=(start, end))
            )
            for union, spans in answer.items():
                if union in by_union:
                    found[by_union[union]] = spans
        return found

    def _schedule(
        self, token: str, *, asker: str, batch: list[str], span: Span
    ) -> dict[str, list[Span]]:
        return self._api.schedule(token, asker, batch, span)


def _is_not_found(exc: DingTalkError) -> bool:
    return isinstance(exc, DingTalkBadRequest) and exc.status == 404
