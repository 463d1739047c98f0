"""All in-memory sandbox state; `/_sim/reset` swaps in a fresh `Store`."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.dingtalk.config import SimConfig
from sandbox.dingtalk.seed import Org


def now_ms() -> int:
    return int(time.time() * 1000)


def new_id(prefix: str = "") -> str:
    return prefix + uuid.uuid4().hex


def conversation_id(app_key: str, userid: str) -> str:
    """The stable openConversationId of a user's single chat with the robot."""
    digest = hashlib.sha1(f"{app_key}:{userid}".encode(), usedforsecurity=False)
    return "cid" + digest.hexdigest()[:22]


@dataclass
class Card:
    out_track_id: str
    template_id: str
    public: dict[str, str]
    private: dict[str, dict[str, str]]
    callback_type: str = "STREAM"
    callback_route_key: str = ""
    user_id_type: int = 1
    spaces: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    created_at: int = field(default_factory=now_ms)

    @property
    def version(self) -> int:
        return len(self.history)

    @property
    def recipients(self) -> list[str]:
        return [s["userid"] for s in self.spaces if s.get("userid")]

    def snapshot(self, source: str, **extra: Any) -> None:
        """Append the current data to the version history (why it changed goes in `source`)."""
        self.history.append(
            {
                "version": len(self.history) + 1,
                "source": source,
                "time": now_ms(),
                "public": dict(self.public),
                "private": {k: dict(v) for k, v in self.private.items()},
                **extra,
            }
        )

    def view_for(self, userid: str) -> dict[str, str]:
        """Public data overlaid with the user's private data: what that user's card shows."""
        return {**self.public, **self.private.get(userid, {})}

    def as_dict(self) -> dict[str, Any]:
        return {
            "out_track_id": self.out_track_id,
            "template_id": self.template_id,
            "callback_type": self.callback_type,
            "callback_route_key": self.callback_route_key,
            "user_id_type": self.user_id_type,
            "public": dict(self.public),
            "private": {k: dict(v) for k, v in self.private.items()},
            "recipients": self.recipients,
            "spaces": list(self.spaces),
            "version": self.version,
            "warnings": list(self.warnings),
            "history": list(self.history),
            "created_at": self.created_at,
        }


@dataclass
class CalendarEvent:
    """One event of the calendar API, kept by seeded userid (the API speaks unionIds)."""

    id: str
    organizer: str
    attendees: list[dict[str, Any]]  # [{"userid", "isOptional"}]
    summary: str
    start: dict[str, str]  # {"dateTime", "timeZone"} or {"date"}, as the client sent it
    end: dict[str, str]
    start_ms: int  # the bounds as instants, for free/busy overlap
    end_ms: int
    is_all_day: bool = False
    description: str = ""
    location: dict[str, str] | None = None
    online_meeting: dict[str, str] | None = None
    reminders: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    free_busy_status: str = "busy"
    created_at: int = field(default_factory=now_ms)
    updated_at: int = field(default_factory=now_ms)

    def involves(self, userid: str) -> bool:
        """Whether the event shows in `userid`'s calendar (organizer or attendee)."""
        return userid == self.organizer or any(a["userid"] == userid for a in self.attendees)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organizer": self.organizer,
            "attendees": [dict(a) for a in self.attendees],
            "summary": self.summary,
            "description": self.description,
            "start": dict(self.start),
            "end": dict(self.end),
            "isAllDay": self.is_all_day,
            "location": dict(self.location) if self.location else None,
            "onlineMeetingInfo": dict(self.online_meeting) if self.online_meeting else None,
            "reminders": [dict(r) for r in self.reminders],
            "extra": dict(self.extra),
            "freeBusyStatus": self.free_busy_status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass
class Store:
    """Everything a test can observe or reset. Live stream connections live elsewhere."""

    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> {app, expires}
    app_tokens: dict[str, str] = field(default_factory=dict)  # app_key -> current token
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)
    auth_codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)  # path -> calls that reached limits
    throttled: dict[str, int] = field(default_factory=dict)  # path -> calls refused by QPS
    routes: dict[str, dict[str, str]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    user_inputs: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    oto_sends: dict[str, dict[str, Any]] = field(default_factory=dict)
    work_tasks: dict[int, dict[str, Any]] = field(default_factory=dict)
    work_daily: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    acks: list[dict[str, Any]] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    http_events: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    hits: dict[str, list[float]] = field(default_factory=dict)
    event_subscription: dict[str, str] = field(default_factory=dict)
    calendar_events: dict[str, CalendarEvent] = field(default_factory=dict)
    calendar_client_tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    dings: dict[str, dict[str, Any]] = field(default_factory=dict)  # openDingId -> DING
    todos: list[dict[str, Any]] = field(default_factory=list)
    approvals: dict[str, dict[str, Any]] = field(default_factory=dict)  # OA instances by id
    # e-signature: uploaded files and signing flows by id
    esign: dict[str, dict[str, Any]] = field(default_factory=lambda: {"files": {}, "flows": {}})
    next_task_id: int = 256271667526


@dataclass
class Sim:
    """The org, the live config and the resettable store, shared by every handler."""

    org: Org
    base_config: SimConfig
    templates: dict[str, dict[str, Any]]
    config: SimConfig = field(init=False)
    store: Store = field(default_factory=Store)

    def __post_init__(self) -> None:
        self.config = self.base_config.copy()

    def reset(self) -> None:
        self.config = self.base_config.copy()
        self.store = Store()

    def add_message(self, userid: str, kind: str, **fields: Any) -> dict[str, Any]:
        """Record something a user received (robot message, work notification, session reply)."""
        record = {
            "id": new_id("m"),
            "userid": userid,
            "kind": kind,
            "time": now_ms(),
            "read": False,
            "recalled": False,
            **fields,
        }
        self.store.messages.append(record)
        return record
