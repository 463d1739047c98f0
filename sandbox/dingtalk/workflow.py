"""DingTalk OA approval (workflow_1.0): start an instance, read one; `/_sim/approvals`.

Paths, parameters and field names follow the SDK's `alibabacloud_dingtalk.workflow_1_0` models
(StartProcessInstance, GetProcessInstance). Which values the SDK leaves as plain strings and the
sandbox fills with DingTalk's documented ones (status RUNNING / COMPLETED, result agree / refuse,
operation record types and results, the `bpms_instance_change` event's fields) is listed in
docs/offers.md. Any non-empty processCode is a process here; its approvers are the request's
`approvers`, else the organisation's recruiting managers (any one may decide, 或签).

`POST /_sim/approvals/{instanceId}/decide` {"result": "agree"|"refuse", "remark", "userid"?,
"emit"?} is an approver's decision: the instance completes and DingTalk's `bpms_instance_change`
(type finish) goes to the app over Stream and, when an event subscription is registered, as an
encrypted HTTP event; `"emit": false` loses the event (for the polling fallback).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from sandbox.dingtalk import events
from sandbox.dingtalk.errors import NewApiError, json_response, read_json
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import Sim
from sandbox.dingtalk.stream import HUB_KEY

EVENT_TYPE = "bpms_instance_change"
RESULTS = {"agree": "AGREE", "refuse": "REFUSE"}
MAX_FIELDS = 100


def _now() -> str:
    """The SDK's documented time format: yyyy-MM-ddTHH:mmZ (UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _bad(message: str) -> NewApiError:
    return NewApiError(400, "InvalidParameter", message)


def _form(values: Any) -> list[dict[str, Any]]:
    if not isinstance(values, list) or not values or len(values) > MAX_FIELDS:
        raise _bad("formComponentValues is mandatory for this action.")
    form = []
    for n, item in enumerate(values):
        name, value = (item.get("name"), item.get("value")) if isinstance(item, dict) else (0, 0)
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise _bad("formComponentValues[].name and .value are mandatory strings.")
        form.append(
            {"id": f"TextField-{n}", "name": name, "value": value, "componentType": "TextField"}
        )
    return form


def _approvers(sim: Sim, body: dict[str, Any]) -> list[str]:
    chosen = [
        str(u)
        for a in body.get("approvers") or []
        if isinstance(a, dict)
        for u in a.get("userIds") or []
    ]
    managers = [u.userid for u in sim.org.users.values() if u.role == "recruiting_manager"]
    return [u for u in chosen if u in sim.org.users] or managers


def _instance(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    code, originator = body.get("processCode"), body.get("originatorUserId")
    if not isinstance(code, str) or not code:
        raise _bad("processCode is mandatory for this action.")
    user = sim.org.users.get(originator) if isinstance(originator, str) else None
    if user is None:
        raise _bad("originatorUserId is not a user of the organisation.")
    dept_id = body.get("deptId", user.dept_id_list[0] if user.dept_id_list else 1)
    depts = {d.dept_id: d.name for d in sim.org.departments}
    if not isinstance(dept_id, int) or (dept_id not in depts and dept_id != 1):
        raise _bad("deptId is not a department of the organisation.")
    instance_id, now = str(uuid.uuid4()), _now()
    approvers = _approvers(sim, body)
    return {
        "processInstanceId": instance_id,
        "processCode": code,
        "title": f"{user.name}提交的录用审批",
        "status": "RUNNING",
        "result": "",
        "createTime": now,
        "finishTime": None,
        "originatorUserId": user.userid,
        "originatorDeptId": str(dept_id),
        "originatorDeptName": depts.get(dept_id, ""),
        "formComponentValues": _form(body.get("formComponentValues")),
        "approverUserIds": approvers,
        "ccUserIds": [],
        "bizAction": "NONE",
        "businessId": instance_id.replace("-", "")[:20],
        "operationRecords": [
            {"userId": user.userid, "date": now, "type": "START_PROCESS_INSTANCE", "result": "NONE"}
        ],
        "tasks": [
            {
                "taskId": 1000 + n,
                "userId": approver,
                "status": "RUNNING",
                "result": "NONE",
                "activityId": "approve",
                "createTime": now,
                "processInstanceId": instance_id,
            }
            for n, approver in enumerate(approvers)
        ],
    }


async def start_process_instance(request: web.Request) -> web.Response:
    """POST /v1.0/workflow/processInstances: {"instanceId"}."""
    sim = request.app[SIM_KEY]
    instance = _instance(sim, await read_json(request))
    sim.store.approvals[instance["processInstanceId"]] = instance
    return json_response({"instanceId": instance["processInstanceId"]})


async def get_process_instance(request: web.Request) -> web.Response:
    """GET /v1.0/workflow/processInstances?processInstanceId=: {"success", "result"}."""
    instance_id = request.query.get("processInstanceId") or ""
    if not instance_id:
        raise _bad("processInstanceId is mandatory for this action.")
    instance = request.app[SIM_KEY].store.approvals.get(instance_id)
    if instance is None:
        raise _bad("processInstanceId does not name an approval instance.")
    return json_response({"success": True, "result": instance})


def _decide(instance: dict[str, Any], result: str, userid: str, remark: str) -> None:
    now = _now()
    instance.update(status="COMPLETED", result=result, finishTime=now)
    for task in instance["tasks"]:
        mine = task["userId"] == userid
        task.update(
            status="COMPLETED" if mine else "CANCELED",
            result=RESULTS[result] if mine else "NONE",
            finishTime=now,
        )
    instance["operationRecords"].append(
        {
            "userId": userid,
            "date": now,
            "type": "EXECUTE_TASK_NORMAL",
            "result": RESULTS[result],
            "remark": remark,
        }
    )


def event_of(sim: Sim, instance: dict[str, Any]) -> dict[str, Any]:
    """`bpms_instance_change` as DingTalk sends it when an instance finishes (assumed fields)."""
    return {
        "processInstanceId": instance["processInstanceId"],
        "processCode": instance["processCode"],
        "corpId": sim.org.corp_id,
        "type": "finish",
        "result": instance["result"],
        "title": instance["title"],
        "staffId": instance["originatorUserId"],
        "createTime": instance["createTime"],
        "finishTime": instance["finishTime"],
        "url": f"https://aflow.dingtalk.com/dingtalk/mobile/homepage.htm?procInstId={instance['processInstanceId']}",
    }


async def sim_decide(request: web.Request) -> web.Response:
    """POST /_sim/approvals/{instanceId}/decide: an approver decides; the event goes out."""
    sim = request.app[SIM_KEY]
    instance = sim.store.approvals.get(request.match_info["instance_id"])
    if instance is None:
        raise NewApiError(404, "ApprovalNotFound", "approval instance not found")
    body = await read_json(request)
    result = body.get("result")
    if result not in RESULTS:
        raise _bad('result must be "agree" or "refuse"')
    if instance["status"] != "RUNNING":
        raise NewApiError(409, "ApprovalFinished", f"the approval is {instance['status']}")
    userid = str(body.get("userid") or (instance["approverUserIds"] or [""])[0])
    if userid not in instance["approverUserIds"]:
        raise _bad(f"{userid!r} is not an approver of this instance")
    _decide(instance, str(result), userid, str(body.get("remark") or "")[:500])
    emitted: dict[str, Any] = {}
    if body.get("emit", True) is not False:
        payload = event_of(sim, instance)
        emitted = events.start_stream_event(sim, request.app[HUB_KEY], EVENT_TYPE, payload)
        if sim.store.event_subscription.get("url"):
            http_payload = {"EventType": EVENT_TYPE, "CorpId": sim.org.corp_id, **payload}
            request.app[HUB_KEY].spawn(
                events.push_with_retries(sim, http_payload, url=None, retries=2)
            )
    return json_response({"instance": instance, "event": emitted or None})


async def sim_approvals(request: web.Request) -> web.Response:
    """GET /_sim/approvals: every instance, newest last."""
    return json_response({"approvals": list(request.app[SIM_KEY].store.approvals.values())})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1.0/workflow/processInstances", start_process_instance)
    app.router.add_get("/v1.0/workflow/processInstances", get_process_instance)
    app.router.add_get("/_sim/approvals", sim_approvals)
    app.router.add_post("/_sim/approvals/{instance_id}/decide", sim_decide)
