"""Work notifications (asyncsend_v2) with progress, result, recall and the silent daily rules."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from aiohttp import web

from sandbox.dingtalk.auth import _oapi_body
from sandbox.dingtalk.errors import OapiError, oapi_ok
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import Sim

MSG_TYPES = ("text", "image", "voice", "file", "link", "oa", "markdown", "action_card")
DAY_SECONDS = 86400


def _message(body: dict[str, Any]) -> dict[str, Any]:
    msg = body.get("msg")
    if isinstance(msg, str):  # form bodies carry msg as JSON text
        try:
            msg = json.loads(msg)
        except ValueError:
            raise OapiError(40035, "缺少参数 msg") from None
    if not isinstance(msg, dict):
        raise OapiError(40035, "缺少参数 msg")
    if msg.get("msgtype") not in MSG_TYPES or not isinstance(msg.get(msg["msgtype"]), dict):
        raise OapiError(40008, "不合法的消息类型")
    if len(json.dumps(msg, ensure_ascii=False).encode()) > 2048:
        raise OapiError(40035, "消息体超过 2048 字节")
    return msg


def _recipients(sim: Sim, body: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Return (userids to try, invalid dept ids)."""
    users = [u.strip() for u in str(body.get("userid_list") or "").split(",") if u.strip()]
    if len(users) > 100:
        raise OapiError(40035, "userid_list 最多 100 个")
    invalid_depts: list[str] = []
    for raw in [d.strip() for d in str(body.get("dept_id_list") or "").split(",") if d.strip()]:
        known = {d.dept_id for d in sim.org.departments}
        if not raw.isdigit() or int(raw) not in known:
            invalid_depts.append(raw)
            continue
        depts = sim.org.sub_department_ids(int(raw))
        users += [u.userid for u in sim.org.users.values() if depts & set(u.dept_id_list)]
    if str(body.get("to_all_user", "")).lower() == "true":
        users += list(sim.org.users)
    return list(dict.fromkeys(users)), invalid_depts


async def async_send(request: web.Request) -> web.Response:
    """POST /topapi/message/corpconversation/asyncsend_v2: errcode 0 even for throttled users."""
    sim = request.app[SIM_KEY]
    body = await _oapi_body(request)
    if str(body.get("agent_id", "")) != sim.org.agent_id:
        raise OapiError(40056, "不合法的agentid")
    msg = _message(body)
    users, invalid_depts = _recipients(sim, body)
    if not users and not invalid_depts:
        raise OapiError(40035, "缺少参数 userid_list")
    task_id = sim.store.next_task_id
    sim.store.next_task_id += 1
    result = _deliver(sim, task_id, users, msg)
    result["invalid_dept_id_list"] = invalid_depts
    sim.store.work_tasks[task_id] = {
        "created": time.time(),
        "agent_id": sim.org.agent_id,
        "result": result,
        "recipients": len(users),
    }
    return oapi_ok(task_id=task_id)


def _deliver(sim: Sim, task_id: int, users: list[str], msg: dict[str, Any]) -> dict[str, Any]:
    content_key = json.dumps(msg, sort_keys=True, ensure_ascii=False)
    today = datetime.now().astimezone().date().isoformat()  # DingTalk's day is the org's day
    result: dict[str, Any] = {
        "invalid_user_id_list": [],
        "forbidden_user_id_list": [],
        "failed_user_id_list": [],
        "forbidden_list": [],
        "message_ids": {},
    }
    for userid in users:
        if userid not in sim.org.users:
            result["invalid_user_id_list"].append(userid)
            continue
        sent_today = sim.store.work_daily.setdefault((userid, today), [])
        code = None
        if content_key in sent_today:
            code = "143106"  # same content to the same user, once per day
        elif len(sent_today) >= sim.config.work_notice_daily_limit:
            code = "143105"  # per-user daily cap
        if code:
            result["forbidden_user_id_list"].append(userid)
            result["forbidden_list"].append({"code": code, "count": 1, "userid": userid})
            continue
        sent_today.append(content_key)
        record = sim.add_message(
            userid,
            "work_notification",
            msgtype=msg["msgtype"],
            content=msg[msg["msgtype"]],
            task_id=task_id,
        )
        result["message_ids"][userid] = record["id"]
    return result


def _task(sim: Sim, body: dict[str, Any], key: str = "task_id") -> dict[str, Any]:
    if str(body.get("agent_id", "")) != sim.org.agent_id:
        raise OapiError(40056, "不合法的agentid")
    try:
        task = sim.store.work_tasks.get(int(body.get(key) or 0))
    except (TypeError, ValueError):
        task = None
    if task is None or time.time() - task["created"] > DAY_SECONDS:
        raise OapiError(400003, "任务不存在或已超过 24 小时")
    return task


async def send_progress(request: web.Request) -> web.Response:
    """POST .../getsendprogress: status 1 until `work_notice_progress_seconds` elapsed, then 2."""
    sim = request.app[SIM_KEY]
    task = _task(sim, await _oapi_body(request))
    span = sim.config.work_notice_progress_seconds
    elapsed = time.time() - task["created"]
    if span > 0 and elapsed < span:
        progress = {"progress_in_percent": int(100 * elapsed / span), "status": 1}
    else:
        progress = {"progress_in_percent": 100, "status": 2}
    return oapi_ok(progress=progress)


async def send_result(request: web.Request) -> web.Response:
    """POST .../getsendresult: per-user lists including read/unread and forbidden codes."""
    sim = request.app[SIM_KEY]
    task = _task(sim, await _oapi_body(request))
    if task["recipients"] > 100:
        raise OapiError(400004, "超过 100 人的任务不支持查询发送结果")
    result = dict(task["result"])
    ids = result.pop("message_ids")
    by_id = {m["id"]: m for m in sim.store.messages}
    result["read_user_id_list"] = [u for u, i in ids.items() if by_id.get(i, {}).get("read")]
    result["unread_user_id_list"] = [u for u, i in ids.items() if not by_id.get(i, {}).get("read")]
    return oapi_ok(send_result=result)


async def recall(request: web.Request) -> web.Response:
    """POST .../recall {agent_id, msg_task_id}."""
    sim = request.app[SIM_KEY]
    task = _task(sim, await _oapi_body(request), key="msg_task_id")
    ids = set(task["result"]["message_ids"].values())
    for message in sim.store.messages:
        if message["id"] in ids:
            message["recalled"] = True
    return oapi_ok()


def add_routes(app: web.Application) -> None:
    base = "/topapi/message/corpconversation"
    app.router.add_post(f"{base}/asyncsend_v2", async_send)
    app.router.add_post(f"{base}/getsendprogress", send_progress)
    app.router.add_post(f"{base}/getsendresult", send_result)
    app.router.add_post(f"{base}/recall", recall)
