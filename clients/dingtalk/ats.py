"""DingTalk 智能招聘 (`alibabacloud_dingtalk.ats_1_0`) read as an EHR change feed.

`AtsFeed.fetch_changes` is what the pull calls on an EHR's feed (services/ehr/read_ahead.py's
`ChangeFeed`): it lists the recruitment flows modified in a window (SearchFlow, with the
module's cursor), reads each flow's job (GetJobInfoByJobId: its owners become the position's HR
owners) and the candidate's interviews (QueryInterviews), and answers contract events. Versions
are the flows' modification times in seconds; event ids carry them, so a page read twice
(after a crash, or the overlap between windows) is a duplicate, never a second change.

The feed's cursor, stored by the pull after each durable page, is `ats1:<from>:<to>:<cursor>`:
the window being read (modification times in ms) and SearchFlow's cursor in it; after the last
page it is `ats1:<to>::`, and the next pull opens the window from there (less `OVERLAP_MS`) to
now. Which fields the SDK types and which the sandbox assumes: docs/dingtalk-ats.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from alibabacloud_dingtalk.ats_1_0 import models as ats
from alibabacloud_dingtalk.ats_1_0.client import Client as AtsClient

from clients.dingtalk.openapi import call_sdk, runtime_options, sdk_config

T = TypeVar("T")
Caller = Callable[[str, Callable[[str], Any]], Any]  # DingTalkClient._call: limiter + token

API_SEARCH, API_JOB, API_INTERVIEWS = "ats/flows/search", "ats/jobs/info", "ats/interviews/query"
CURSOR_PREFIX = "ats1"
MAX_PAGE = 100
# Re-read this much of the previous window: a flow modified as the last window closed, or
# committed late by the module, is not missed (re-read events are duplicates).
OVERLAP_MS = 60_000
INTERVIEW_HORIZON = timedelta(days=365)
# The module's flow statuses (assumed) and the contract's application stages.
STAGES = {
    "screening": "screening",
    "ai_interview": "ai_interview",
    "interview": "interview",
    "offer": "offer",
    "hired": "hired",
    "employed": "hired",
    "rejected": "rejected",
    "eliminated": "rejected",
    "withdrawn": "withdrawn",
}


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


class AtsApi:
    """The SDK's ats_1.0 client aimed at `api_base`: a token in, plain dicts out."""

    def __init__(self, api_base: str, *, timeout_seconds: float) -> None:
        self._runtime = runtime_options(timeout_seconds)
        self._client = AtsClient(sdk_config(api_base))

    def search_flows(
        self, token: str, op_user_id: str, window: tuple[int, int], cursor: str | None, size: int
    ) -> tuple[list[dict[str, Any]], str | None, bool]:
        """SearchFlow: (flows, next cursor, has more)."""
        request = ats.SearchFlowRequest(
            op_user_id=op_user_id,
            min_modify_time_mills=window[0],
            max_modify_time_mills=window[1],
            cursor=cursor,
            size=size,
        )
        headers = ats.SearchFlowHeaders(x_acs_dingtalk_access_token=token)
        response = call_sdk(
            API_SEARCH,
            lambda: self._client.search_flow_with_options(request, headers, self._runtime),
        )
        body = response.body
        flows = [f for f in body.list or [] if isinstance(f, dict)]
        return flows, body.next_cursor, bool(body.has_more)

    def job(self, token: str, job_id: str) -> Any:
        """GetJobInfoByJobId: the job's name, main department and owners."""
        headers = ats.GetJobInfoByJobIdHeaders(x_acs_dingtalk_access_token=token)
        response = call_sdk(
            API_JOB,
            lambda: self._client.get_job_info_by_job_id_with_options(
                job_id, headers, self._runtime
            ),
        )
        return response.body

    def interviews(self, token: str, candidate_id: str, window: tuple[int, int]) -> list[Any]:
        """QueryInterviews: the candidate's interviews starting in the window (every page)."""
        found: list[Any] = []
        next_token: str | None = None
        while True:
            request = ats.QueryInterviewsRequest(
                candidate_id=candidate_id,
                start_time_begin_millis=window[0],
                start_time_end_millis=window[1],
                next_token=next_token,
                size=MAX_PAGE,
            )
            response = call_sdk(API_INTERVIEWS, partial(self._query_interviews, token, request))
            found += response.body.list or []
            next_token = response.body.next_token
            if not response.body.has_more or not next_token:
                return found

    def _query_interviews(self, token: str, request: Any) -> Any:
        headers = ats.QueryInterviewsHeaders(x_acs_dingtalk_access_token=token)
        return self._client.query_interviews_with_options(request, headers, self._runtime)


@dataclass
class FeedPage:
    """A page as the pull reads one (contract section 4)."""

    events: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


@dataclass
class _Window:
    low: int
    high: int
    cursor: str | None = None

    def encode(self, cursor: str | None) -> str:
        return f"{CURSOR_PREFIX}:{self.low}:{self.high}:{cursor or ''}"


def parse_cursor(value: str | None, now_ms: int) -> _Window:
    """The window a stored cursor continues, or the next one from its end to now."""
    parts = (value or "").split(":", 3)
    if len(parts) != 4 or parts[0] != CURSOR_PREFIX or not parts[1].isdigit():
        # None, or the EHR feed's cursor left by the source used before: read everything (the
        # events already applied are duplicates by id).
        return _Window(0, now_ms)
    if parts[2] == "":
        return _Window(max(0, int(parts[1]) - OVERLAP_MS), now_ms)
    return _Window(int(parts[1]), int(parts[2]), parts[3] or None)


@dataclass
class _Page:
    """The events of one page of flows, each organisation entity once at its latest version."""

    org: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def add_org(self, kind: str, data: dict[str, Any]) -> None:
        key = (kind, data["id"])
        if key not in self.org or self.org[key]["version"] < data["version"]:
            self.org[key] = data

    def add(self, kind: str, data: dict[str, Any], occurred_ms: int) -> None:
        self.events.append(_event(kind, data, occurred_ms))

    def all_events(self) -> list[dict[str, Any]]:
        org = [_event(kind, data, data["version"] * 1000) for (kind, _), data in self.org.items()]
        return org + self.events


def _event(kind: str, data: dict[str, Any], occurred_ms: int) -> dict[str, Any]:
    return {
        "id": f"ats:{kind}:{data['id']}:v{data['version']}",
        "type": f"{kind}.upserted",
        "occurred_at": _iso(occurred_ms),
        "data": data,
    }


class AtsFeed:
    """The recruiting module as a change feed, each call through the shared limiter and token."""

    def __init__(
        self,
        api: AtsApi,
        *,
        call: Caller,
        op_user_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api = api
        self._call = call
        self._op_user_id = op_user_id
        self._clock = clock

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        """The flows after `after` as contract events, and the cursor after them."""
        now_ms = int(self._clock() * 1000)
        window = parse_cursor(after, now_ms)
        flows, next_cursor, more = self._call(
            API_SEARCH,
            lambda t: self._api.search_flows(
                t,
                self._op_user_id,
                (window.low, window.high),
                window.cursor,
                max(1, min(limit, MAX_PAGE)),
            ),
        )
        page = _Page()
        jobs: dict[str, Any] = {}
        for flow in flows:
            self._translate(page, flow, jobs, now_ms)
        if more and next_cursor:
            return FeedPage(page.all_events(), window.encode(next_cursor), True)
        return FeedPage(page.all_events(), f"{CURSOR_PREFIX}:{window.high}::", False)

    def close(self) -> None:
        """Nothing to release: the SDK opens a connection per call."""

    def _job(self, jobs: dict[str, Any], job_id: str) -> Any:
        if job_id not in jobs:
            jobs[job_id] = self._call(API_JOB, lambda t: self._api.job(t, job_id))
        return jobs[job_id]

    def _translate(
        self, page: _Page, flow: dict[str, Any], jobs: dict[str, Any], now_ms: int
    ) -> None:
        version = int(flow["modifyTime"]) // 1000
        job = self._job(jobs, str(flow["jobId"]))
        position_id = _org_events(page, job, version)
        candidate_id = f"ats-c-{flow['candidateId']}"
        name = str(flow.get("candidateName") or flow["candidateId"])
        candidate = {"id": candidate_id, "version": version, "name": name}
        page.add("candidate", candidate, int(flow["modifyTime"]))
        application_id = f"ats-a-{flow['flowId']}"
        stage = STAGES.get(str(flow.get("currentStatus") or "").lower(), "screening")
        application = {
            "id": application_id,
            "version": version,
            "candidate_id": candidate_id,
            "position_id": position_id,
            "stage": stage,
            "stage_changed_at": _iso(int(flow["modifyTime"])),
            "ats_flow_status": flow.get("currentStatus"),
        }
        page.add("application", application, int(flow["modifyTime"]))
        horizon = now_ms + int(INTERVIEW_HORIZON.total_seconds() * 1000)
        window = (int(flow.get("createTime") or 0), horizon)
        found = self._call(
            API_INTERVIEWS,
            lambda t: self._api.interviews(t, str(flow["candidateId"]), window),
        )
        mine = sorted(
            (i for i in found if i.job_id in (None, flow["jobId"])),
            key=lambda i: (i.start_time_millis or 0, i.interview_id),
        )
        for number, interview in enumerate(mine, start=1):
            data = _interview(interview, application_id, number, version, now_ms)
            page.add("interview", data, int(flow["modifyTime"]))


def _org_events(page: _Page, job: Any, version: int) -> str:
    """The job's department, owners and position; the position's id."""
    department_id = f"ats-d-{job.main_dept_id}"
    page.add_org(
        "department",
        {"id": department_id, "version": version, "name": str(job.main_dept_name or "")},
    )
    owners = []
    for owner in job.job_owners or []:
        staff_id = f"ats-st-{owner.user_id}"
        owners.append(staff_id)
        page.add_org(
            "staff",
            {
                "id": staff_id,
                "version": version,
                "name": str(owner.name or owner.user_id),
                "dingtalk_user_id": owner.user_id,
                "role": "hr_specialist",
                "department_ids": [department_id],
            },
        )
    position_id = f"ats-p-{job.job_id}"
    page.add_org(
        "position",
        {
            "id": position_id,
            "version": version,
            "title": str(job.name or job.job_id),
            "department_id": department_id,
            "hr_owner_ids": owners,
        },
    )
    return position_id


def _interview(
    interview: Any, application_id: str, number: int, version: int, now_ms: int
) -> dict[str, Any]:
    start, end = interview.start_time_millis, interview.end_time_millis
    if interview.cancelled:
        status = "cancelled"
    else:
        status = "scheduled" if (start or 0) > now_ms else "completed"
    minutes = (end - start) // 60_000 if start and end and end > start else None
    return {
        "id": f"ats-i-{interview.interview_id}",
        "version": version,
        "application_id": application_id,
        "round": number,
        "kind": "onsite",
        "scheduled_at": _iso(start) if start else None,
        "interviewer_names": [],
        "status": status,
        "duration_minutes": minutes if minutes and 1 <= minutes <= 1440 else None,
        "ats_interviewer_user_ids": [i.user_id for i in interview.interviewers or []],
    }
