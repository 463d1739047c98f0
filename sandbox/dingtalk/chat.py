"""Robot chat: user messages pushed over Stream, sessionWebhook replies, one-to-one robot sends."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, OapiError, json_response, oapi_ok, read_json
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import Sim, conversation_id, new_id, now_ms
from sandbox.dingtalk.stream import StreamHub

BOT_TOPIC = "/v1.0/im/bot/messages/get"
MSG_KEYS = {
    "sampleText": ("content",),
    "sampleMarkdown": ("title", "text"),
    "sampleLink": ("text", "title", "messageUrl"),
    "sampleImageMsg": ("photoURL",),
    "sampleActionCard": ("title", "text"),
}
SESSION_TYPES = ("text", "markdown", "actionCard", "link", "feedCard")


def bot_message_payload(sim: Sim, userid: str, text: str, base_url: str) -> dict[str, Any]:
    """Section 2.1 payload with a sessionWebhook that points back at this sandbox."""
    user = sim.org.users[userid]
    session = new_id("s")
    created = now_ms()
    expires = created + int(sim.config.session_ttl * 1000)
    cid = conversation_id(sim.org.app_key, userid)
    sim.store.sessions[session] = {"userid": userid, "conversation_id": cid, "expires": expires}
    return {
        "msgId": new_id("msg"),
        "msgtype": "text",
        "text": {"content": text},
        "conversationType": "1",
        "conversationId": cid,
        "senderStaffId": userid,
        "senderNick": user.name,
        "senderId": f"$:LWCP_v1:${user.unionid}",
        "senderCorpId": sim.org.corp_id,
        "chatbotCorpId": sim.org.corp_id,
        "chatbotUserId": f"$:LWCP_v1:${sim.org.robot_code}",
        "robotCode": sim.org.robot_code,
        "isAdmin": user.admin,
        "isInAtList": True,
        "atUsers": [],
        "createAt": created,
        "sessionWebhook": f"{base_url}/robot/sendBySession?session={session}",
        "sessionWebhookExpiredTime": expires,
    }


async def push_bot_message(
    sim: Sim, hub: StreamHub, userid: str, text: str, base_url: str
) -> dict[str, Any]:
    """Deliver a user's chat message to the app (fire-and-forget, never redelivered)."""
    payload = bot_message_payload(sim, userid, text, base_url)
    sim.store.user_inputs.append(
        {
            "id": payload["msgId"],
            "userid": userid,
            "kind": "user",
            "time": payload["createAt"],
            "text": text,
        }
    )
    conn = hub.pick(sim.org.app_key, "CALLBACK", BOT_TOPIC)
    message_id = await hub.push(conn, "CALLBACK", BOT_TOPIC, payload) if conn else None
    return {
        "delivered": conn is not None,
        "message_id": message_id,
        "msgId": payload["msgId"],
        "conversationId": payload["conversationId"],
        "sessionWebhook": payload["sessionWebhook"],
    }


async def send_by_session(request: web.Request) -> web.Response:
    """POST /robot/sendBySession?session=: a reply into the chat the message came from."""
    sim = request.app[SIM_KEY]
    session = sim.store.sessions.get(request.query.get("session", ""))
    if session is None:
        raise OapiError(300001, "session 不存在")
    if session["expires"] <= now_ms():
        raise OapiError(300002, "session 已过期")
    body = await read_json(request)
    msgtype = body.get("msgtype")
    if msgtype not in SESSION_TYPES or not isinstance(body.get(msgtype), dict):
        raise OapiError(40035, "缺少参数 msgtype 或消息内容")
    sim.add_message(
        session["userid"],
        "session_reply",
        msgtype=msgtype,
        content=body[msgtype],
        at=body.get("at") or {},
        conversation_id=session["conversation_id"],
    )
    return oapi_ok()


def check_robot(sim: Sim, body: dict[str, Any]) -> None:
    if body.get("robotCode") != sim.org.robot_code:
        raise NewApiError(400, "invalidParameter.robotCode", "robotCode 不存在或无权限")


async def oto_batch_send(request: web.Request) -> web.Response:
    """POST /v1.0/robot/oToMessages/batchSend."""
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    check_robot(sim, body)
    user_ids, msg_key = body.get("userIds"), body.get("msgKey")
    if not isinstance(user_ids, list) or not user_ids or len(user_ids) > 20:
        raise NewApiError(400, "invalidParameter.userIds", "userIds 必须为 1-20 个用户")
    if msg_key not in MSG_KEYS:
        raise NewApiError(400, "invalidParameter.msgKey", f"不支持的 msgKey: {msg_key}")
    try:
        params = json.loads(body.get("msgParam") or "")
    except (TypeError, ValueError):
        raise NewApiError(400, "invalidParameter.msgParam", "msgParam 必须是 JSON 字符串") from None
    if not isinstance(params, dict) or any(k not in params for k in MSG_KEYS[msg_key]):
        raise NewApiError(400, "invalidParameter.msgParam", f"msgParam 缺少 {MSG_KEYS[msg_key]}")
    key = new_id("pqk")
    invalid = [u for u in user_ids if u not in sim.org.users]
    limited = [u for u in user_ids if u in sim.config.robot_flow_controlled and u not in invalid]
    sent = [u for u in user_ids if u not in invalid and u not in limited]
    records = [
        sim.add_message(u, "robot", msgtype=msg_key, content=params, process_query_key=key)
        for u in sent
    ]
    sim.store.oto_sends[key] = {"message_ids": [r["id"] for r in records], "time": time.time()}
    return json_response(
        {
            "processQueryKey": key,
            "invalidStaffIdList": invalid,
            "flowControlledStaffIdList": limited,
        }
    )


def _messages_for(sim: Sim, key: str) -> list[dict[str, Any]]:
    send = sim.store.oto_sends.get(key)
    if send is None:
        raise NewApiError(400, "invalidParameter.processQueryKey", "processQueryKey 不存在")
    ids = set(send["message_ids"])
    return [m for m in sim.store.messages if m["id"] in ids]


async def oto_read_status(request: web.Request) -> web.Response:
    """GET /v1.0/robot/oToMessages/readStatus."""
    sim = request.app[SIM_KEY]
    check_robot(sim, dict(request.query))
    messages = _messages_for(sim, request.query.get("processQueryKey", ""))
    infos = [
        {
            "name": sim.org.users[m["userid"]].name,
            "userId": m["userid"],
            "readStatus": "READ" if m["read"] else "UNREAD",
            "readTimestamp": m.get("read_time", 0),
        }
        for m in messages
    ]
    status = "RECALLED" if messages and all(m["recalled"] for m in messages) else "SUCCESS"
    return json_response({"sendStatus": status, "messageReadInfoList": infos})


async def oto_batch_recall(request: web.Request) -> web.Response:
    """POST /v1.0/robot/otoMessages/batchRecall."""
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    check_robot(sim, body)
    keys = body.get("processQueryKeys")
    if not isinstance(keys, list) or not keys:
        raise NewApiError(400, "MissingprocessQueryKeys", "processQueryKeys is mandatory")
    success, failed = [], {}
    for key in keys:
        if key not in sim.store.oto_sends:
            failed[key] = "processQueryKey 不存在"
            continue
        for message in _messages_for(sim, key):
            message["recalled"] = True
        success.append(key)
    return json_response({"successResult": success, "failedResult": failed})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/robot/sendBySession", send_by_session)
    app.router.add_post("/v1.0/robot/oToMessages/batchSend", oto_batch_send)
    app.router.add_get("/v1.0/robot/oToMessages/readStatus", oto_read_status)
    app.router.add_post("/v1.0/robot/otoMessages/batchRecall", oto_batch_recall)
