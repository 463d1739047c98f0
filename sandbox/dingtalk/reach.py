"""DING and to-dos (issue 22): what the backend uses to reach a person who has not read a
message, with the `/_sim/` views tests and the walkthrough read.

  POST /v1.0/robot/ding/send                 RobotSendDing: robotCode, receiverUserIdList,
                                             content, remindType (1 app, 2 SMS, 3 call)
  POST /v1.0/robot/ding/readStatuses/query   QueryRobotDingReadStatus: robotCode, openDingId
  POST /v1.0/todo/users/{unionId}/tasks      CreateTodoTask (?operatorId=unionId)
  GET  /_sim/dings[?userid=]                 every DING with its read state
  POST /_sim/dings/{openDingId}/read         the user reads the DING ({"userid"})
  GET  /_sim/todos?userid=                   a user's to-dos
  POST /_sim/messages/{id}/read              read one robot message (as opening the chat does)

Request and response fields follow the SDK's models (robot_1_0, todo_1_0); the values of
remindType and readStatus ("READ" / "UNREAD") are assumed (docs/dingtalk-escalation.md).
"""

from __future__ import annotations

from aiohttp import web

from sandbox.dingtalk.chat import check_robot
from sandbox.dingtalk.errors import NewApiError, json_response, read_json
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import new_id, now_ms

REMIND_TYPES = {1: "app", 2: "sms", 3: "call"}


async def send_ding(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    check_robot(sim, body)
    users, content = body.get("receiverUserIdList"), body.get("content")
    if not isinstance(users, list) or not users or not isinstance(content, str) or not content:
        raise NewApiError(400, "MissingParameter", "receiverUserIdList and content are required")
    if body.get("remindType") not in REMIND_TYPES:
        raise NewApiError(400, "InvalidParameter.RemindType", "remindType must be 1, 2 or 3")
    failed = [u for u in users if u not in sim.org.users]
    ding_id = new_id("ding")
    sim.store.dings[ding_id] = {
        "open_ding_id": ding_id,
        "content": content,
        "remind": REMIND_TYPES[int(body["remindType"])],
        "time": now_ms(),
        "read": {u: False for u in users if u in sim.org.users},
    }
    return json_response({"openDingId": ding_id, "failedList": failed})


async def ding_read_status(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    check_robot(sim, body)
    ding = sim.store.dings.get(str(body.get("openDingId") or ""))
    if ding is None:
        raise NewApiError(400, "InvalidParameter.OpenDingId", "openDingId 不存在")
    infos = [
        {"userId": user, "readStatus": "READ" if read else "UNREAD"}
        for user, read in ding["read"].items()
    ]
    return json_response({"success": True, "result": {"robotDingReadInfoList": infos}})


async def create_todo(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    union_id = request.match_info["union_id"]
    userid = next((u.userid for u in sim.org.users.values() if u.unionid == union_id), None)
    body = await read_json(request)
    if userid is None or request.query.get("operatorId") != union_id:
        raise NewApiError(400, "InvalidParameter.UnionId", f"unionId {union_id!r} not found")
    if not isinstance(body.get("subject"), str) or not body["subject"]:
        raise NewApiError(400, "MissingParameter", "subject is required")
    task = {
        "id": new_id("todo"),
        "userid": userid,
        "subject": body["subject"],
        "description": body.get("description") or "",
        "detailUrl": body.get("detailUrl") or {},
        "executorIds": body.get("executorIds") or [],
        "dueTime": body.get("dueTime"),
        "done": False,
        "createdTime": now_ms(),
    }
    sim.store.todos.append(task)
    return json_response({**task, "creatorId": union_id, "bizTag": "", "priority": 20})


async def sim_dings(request: web.Request) -> web.Response:
    sim, userid = request.app[SIM_KEY], request.query.get("userid")
    dings = [d for d in sim.store.dings.values() if not userid or userid in d["read"]]
    return json_response({"dings": dings})


async def sim_read_ding(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    ding = sim.store.dings.get(request.match_info["ding_id"])
    body = await read_json(request)
    if ding is None or body.get("userid") not in ding["read"]:
        raise NewApiError(404, "NotFound", "no such DING for that user")
    ding["read"][body["userid"]] = True
    return json_response({"read": True})


async def sim_todos(request: web.Request) -> web.Response:
    sim, userid = request.app[SIM_KEY], request.query.get("userid")
    return json_response(
        {"todos": [t for t in sim.store.todos if not userid or t["userid"] == userid]}
    )


async def sim_read_message(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    message = next((m for m in sim.store.messages if m["id"] == request.match_info["msg_id"]), None)
    if message is None:
        raise NewApiError(404, "NotFound", "no such message")
    if not message["read"]:
        message.update(read=True, read_time=now_ms())
    return json_response({"read": True, "id": message["id"]})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1.0/robot/ding/send", send_ding)
    app.router.add_post("/v1.0/robot/ding/readStatuses/query", ding_read_status)
    app.router.add_post("/v1.0/todo/users/{union_id}/tasks", create_todo)
    app.router.add_get("/_sim/dings", sim_dings)
    app.router.add_post("/_sim/dings/{ding_id}/read", sim_read_ding)
    app.router.add_get("/_sim/todos", sim_todos)
    app.router.add_post("/_sim/messages/{msg_id}/read", sim_read_message)
