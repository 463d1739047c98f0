"""DingTalk 智能招聘 (ats_1.0): search flows, a job's info, a candidate's interviews; `/_sim/ats`.

Paths, parameters and the typed response fields follow the SDK's `alibabacloud_dingtalk.ats_1_0`
models (SearchFlow, GetJobInfoByJobId, QueryInterviews). The SDK leaves the items of
SearchFlow's `list` untyped: they are given here the fields GetFlowById returns plus
`modifyTime`, and the cursor is opaque. That and the status codes are assumptions, listed in
docs/dingtalk-ats.md.

The data is the demo organisation's (sandbox/demo_org.json): a job per position, owned by the
position's HR owners; a flow per candidate, created and modified in the scenario's week; the
advanced candidates' second rounds as interviews. `POST /_sim/ats/flows/{flowId}` changes a
flow (its status, the candidate's name) and moves its modification time to now.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, json_response, read_json
from sandbox.dingtalk.state import now_ms

DEMO_ORG = Path(__file__).resolve().parents[1] / "demo_org.json"
ATS_KEY: web.AppKey[dict[str, Any]] = web.AppKey("ats", dict)
BASE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
# Statuses as the sandbox writes them (assumed; the SDK types currentStatus as a string).
ADVANCED = {5, 7}
MAX_PAGE = 100


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def job_id(position_id: str) -> str:
    return "job_" + position_id.removeprefix("pos-").replace("-", "_")


def build_ats(path: Path = DEMO_ORG) -> dict[str, Any]:
    """The demo organisation as the recruiting module holds it."""
    org = json.loads(path.read_text(encoding="utf-8"))
    staff = {s["ehr_id"]: s for s in org["staff"]}
    depts = {d["ehr_id"]: d for d in org["departments"]}
    jobs = {}
    for p in org["positions"]:
        dept = depts[p["department"]]
        jobs[job_id(p["ehr_id"])] = {
            "jobId": job_id(p["ehr_id"]),
            "name": p["title"],
            "mainDeptId": dept["dingtalk_dept_id"],
            "mainDeptName": dept["name"],
            "headCount": 5,
            "createTime": _ms(BASE - timedelta(days=7)),
            "jobOwners": [
                {"userId": staff[o]["dingtalk_userid"], "name": staff[o]["name"]}
                for o in p["hr_owners"]
            ],
        }
    flows, interviews = {}, {}
    positions = [p["ehr_id"] for p in org["positions"]]
    for n, c in enumerate(org["candidates"], start=1):
        flow_id = f"flow_{n:02d}"
        created = BASE + timedelta(minutes=n)
        flows[flow_id] = {
            "flowId": flow_id,
            "candidateId": f"atscand_{n:02d}",
            "candidateName": c["name"],
            "jobId": job_id(positions[0] if n <= 10 else positions[-1]),
            "currentStatus": "interview" if n in ADVANCED else "screening",
            "sourceName": "钉钉招聘",
            "statId": f"stat_{n:02d}",
            "createTime": _ms(created),
            "modifyTime": _ms(created + timedelta(hours=n)),
        }
        if n in ADVANCED:
            start = BASE + timedelta(days=3, hours=n)
            interviews[f"ats_iv_{n:02d}"] = {
                "interviewId": f"ats_iv_{n:02d}",
                "candidateId": f"atscand_{n:02d}",
                "jobId": flows[flow_id]["jobId"],
                "startTimeMillis": _ms(start),
                "endTimeMillis": _ms(start + timedelta(minutes=60)),
                "cancelled": False,
                "creatorUserId": jobs[flows[flow_id]["jobId"]]["jobOwners"][0]["userId"],
                "interviewers": [{"userId": "iv_zhoujie"}, {"userId": "iv_wuhua"}],
            }
    return {"jobs": jobs, "flows": flows, "interviews": interviews}


def _ats(request: web.Request) -> dict[str, Any]:
    return request.app[ATS_KEY]


def _bad(message: str) -> NewApiError:
    return NewApiError(400, "InvalidParameter", message)


def _int(data: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _bad(f"{name} is mandatory for this action and must be a non-negative integer")
    return value


async def search_flow(request: web.Request) -> web.Response:
    """POST /v1.0/ats/flows/search?opUserId=: flows modified in [min, max], oldest first."""
    if not request.query.get("opUserId"):
        raise _bad("opUserId is mandatory for this action.")
    body = await read_json(request)
    low, high = _int(body, "minModifyTimeMills"), _int(body, "maxModifyTimeMills")
    size = min(_int(body, "size", required=False) or 20, MAX_PAGE)
    cursor = body.get("cursor")
    offset = int(cursor) if isinstance(cursor, str) and cursor.isdigit() else 0
    found = sorted(
        (f for f in _ats(request)["flows"].values() if low <= f["modifyTime"] <= high),
        key=lambda f: (f["modifyTime"], f["flowId"]),
    )
    page = found[offset : offset + size]
    more = offset + size < len(found)
    return json_response(
        {
            "list": page,
            "hasMore": more,
            "nextCursor": str(offset + size) if more else None,
            "totalCount": len(found),
        }
    )


async def job_info(request: web.Request) -> web.Response:
    """GET /v1.0/ats/jobs/{jobId}/info."""
    job = _ats(request)["jobs"].get(request.match_info["job_id"])
    if job is None:
        raise NewApiError(404, "JobNotFound", "job not found")
    return json_response(job)


async def query_interviews(request: web.Request) -> web.Response:
    """POST /v1.0/ats/interviews/query: a candidate's interviews starting in the window."""
    body = await read_json(request)
    candidate = body.get("candidateId")
    if not isinstance(candidate, str) or not candidate:
        raise _bad("candidateId is mandatory for this action.")
    low, high = _int(body, "startTimeBeginMillis"), _int(body, "startTimeEndMillis")
    found = [
        {k: v for k, v in iv.items() if k != "candidateId"}
        for iv in _ats(request)["interviews"].values()
        if iv["candidateId"] == candidate and low <= iv["startTimeMillis"] <= high
    ]
    return json_response({"list": found, "hasMore": False, "totalCount": len(found)})


async def sim_change_flow(request: web.Request) -> web.Response:
    """POST /_sim/ats/flows/{flowId} {currentStatus?, candidateName?}: a change made in the
    recruiting module; the flow's modification time becomes now."""
    flow = _ats(request)["flows"].get(request.match_info["flow_id"])
    if flow is None:
        raise NewApiError(404, "FlowNotFound", "flow not found")
    body = await read_json(request)
    for name in ("currentStatus", "candidateName"):
        if isinstance(body.get(name), str):
            flow[name] = body[name]
    flow["modifyTime"] = max(now_ms(), flow["modifyTime"] + 1000)
    return json_response(flow)


async def sim_flows(request: web.Request) -> web.Response:
    """GET /_sim/ats/flows: every flow, for tests and the curious."""
    return json_response({"flows": list(_ats(request)["flows"].values())})


def reset_ats(app: web.Application) -> None:
    """Back to the demo organisation's flows (`/_sim/reset`)."""
    state = app[ATS_KEY]
    state.clear()
    state.update(build_ats())


def add_routes(app: web.Application) -> None:
    app[ATS_KEY] = build_ats()
    app.router.add_post("/v1.0/ats/flows/search", search_flow)
    app.router.add_get("/v1.0/ats/jobs/{job_id}/info", job_info)
    app.router.add_post("/v1.0/ats/interviews/query", query_interviews)
    app.router.add_post("/_sim/ats/flows/{flow_id}", sim_change_flow)
    app.router.add_get("/_sim/ats/flows", sim_flows)
