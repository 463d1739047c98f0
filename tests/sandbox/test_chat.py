"""Bot messages over Stream, sessionWebhook replies and one-to-one robot messages."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_dingtalk.robot_1_0 import models as robot_models
from alibabacloud_tea_util.models import RuntimeOptions

from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import get_token, robot_client, robot_send
from tests.support.servers import wait_for


def test_bot_message_reply_via_session_webhook(connected: SimClient) -> None:
    pushed = connected.post("/_sim/bot-messages", {"userid": "cand_02", "text": "我的面试"})
    assert pushed["delivered"] is True
    assert pushed["sessionWebhook"].startswith(connected.base_url + "/robot/sendBySession?")

    def reply() -> Any:
        found = connected.get("/_sim/messages", params={"userid": "cand_02"})["messages"]
        return [m for m in found if m["kind"] == "session_reply"]

    replies = wait_for(reply, timeout=10, what="the ChatbotHandler reply")
    assert replies[0]["msgtype"] == "text"
    assert replies[0]["content"]["content"] == "echo: 我的面试"
    frame = next(
        f
        for f in connected.get("/_sim/frames")["frames"]
        if f["message_id"] == pushed["message_id"]
    )["frame"]
    data = json.loads(frame["data"])
    assert data["senderStaffId"] == "cand_02" and data["conversationType"] == "1"
    assert isinstance(data["sessionWebhookExpiredTime"], int)


def test_expired_or_unknown_session_is_refused(sim: SimClient) -> None:
    body = {"msgtype": "text", "text": {"content": "hi"}}
    resp = sim.raw("POST", "/robot/sendBySession?session=nope", json=body)
    assert resp.status_code == 200 and resp.json()["errcode"] != 0


def test_robot_one_to_one_send_read_status_and_recall(sim: SimClient, org: dict[str, Any]) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    resp = robot_send(
        sim.base_url, token, org, ["cand_03", "ghost"], json.dumps({"content": "您有新的面试"})
    )
    assert resp.body.invalid_staff_id_list == ["ghost"]
    key = resp.body.process_query_key
    inbox = sim.get("/_sim/messages", params={"userid": "cand_03"})["messages"]
    assert inbox[0]["kind"] == "robot" and inbox[0]["content"]["content"] == "您有新的面试"

    client = robot_client(sim.base_url)
    status = client.batch_otoquery_with_options(
        robot_models.BatchOTOQueryRequest(robot_code=org["robot_code"], process_query_key=key),
        robot_models.BatchOTOQueryHeaders(x_acs_dingtalk_access_token=token),
        RuntimeOptions(),
    )
    assert status.body.message_read_info_list[0].read_status == "UNREAD"

    client.batch_recall_otowith_options(
        robot_models.BatchRecallOTORequest(robot_code=org["robot_code"], process_query_keys=[key]),
        robot_models.BatchRecallOTOHeaders(x_acs_dingtalk_access_token=token),
        RuntimeOptions(),
    )
    inbox = sim.get("/_sim/messages", params={"userid": "cand_03"})["messages"]
    assert inbox[0]["recalled"] is True
