"""oapi over plain HTTP: free login, user details, work notifications and their silent limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import get_token
from tests.support.servers import wait_for


@pytest.fixture
def token(sim: SimClient, org: dict[str, Any]) -> str:
    return get_token(sim.base_url, org["app_key"], org["app_secret"])


def test_free_login_code_is_single_use(sim: SimClient, token: str) -> None:
    code = sim.post("/_sim/auth-codes", {"userid": "hr_lina"})["auth_code"]
    first = sim.post(f"/topapi/v2/user/getuserinfo?access_token={token}", {"code": code})
    assert first["errcode"] == 0 and first["result"]["userid"] == "hr_lina"
    assert first["result"]["name"] == "李娜" and first["result"]["sys_level"] == 0
    again = sim.post(f"/topapi/v2/user/getuserinfo?access_token={token}", {"code": code})
    assert again["errcode"] == 40078


def test_expired_auth_code(sim: SimClient, token: str) -> None:
    sim.post("/_sim/config", {"auth_code_ttl": 0})
    code = sim.post("/_sim/auth-codes", {"userid": "cand_01"})["auth_code"]
    body = sim.post(f"/topapi/v2/user/getuserinfo?access_token={token}", {"code": code})
    assert body["errcode"] == 40078


def test_unknown_user_cannot_get_a_code(sim: SimClient) -> None:
    resp = sim.raw("POST", "/_sim/auth-codes", json={"userid": "cand_20"})  # not in DingTalk
    assert resp.status_code == 404 and resp.json()["code"] == "UserNotFound"


def test_user_details(sim: SimClient, token: str) -> None:
    body = sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "cand_05"})
    assert body["errcode"] == 0
    assert body["result"]["mobile"] == "13800130005" and body["result"]["dept_id_list"] == [900]
    missing = sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "nobody"})
    assert missing["errcode"] == 60121


def test_user_by_mobile(sim: SimClient, token: str) -> None:
    body = sim.post(f"/topapi/v2/user/getbymobile?access_token={token}", {"mobile": "13800130007"})
    assert body["errcode"] == 0 and body["result"] == {"userid": "cand_07"}
    none = sim.post(f"/topapi/v2/user/getbymobile?access_token={token}", {"mobile": "13800130020"})
    assert none["errcode"] == 60121  # cand_20 is not in DingTalk


def _send(sim: SimClient, token: str, org: dict[str, Any], **body: Any) -> dict[str, Any]:
    payload = {
        "agent_id": int(org["agent_id"]),
        "msg": {"msgtype": "text", "text": {"content": "面试提醒：明天 10:00"}},
        **body,
    }
    return dict(
        sim.post(f"/topapi/message/corpconversation/asyncsend_v2?access_token={token}", payload)
    )


def _result(sim: SimClient, token: str, org: dict[str, Any], task_id: int) -> dict[str, Any]:
    path = f"/topapi/message/corpconversation/getsendresult?access_token={token}"
    body = sim.post(path, {"agent_id": int(org["agent_id"]), "task_id": task_id})
    assert body["errcode"] == 0
    return dict(body["send_result"])


def test_work_notification_progress_and_result(
    sim: SimClient, token: str, org: dict[str, Any]
) -> None:
    sim.post("/_sim/config", {"work_notice_progress_seconds": 0.3})
    sent = _send(sim, token, org, userid_list="cand_01,cand_02,ghost")
    assert sent["errcode"] == 0 and isinstance(sent["task_id"], int)
    path = f"/topapi/message/corpconversation/getsendprogress?access_token={token}"

    def done() -> Any:
        body = sim.post(path, {"agent_id": int(org["agent_id"]), "task_id": sent["task_id"]})
        return body if body["progress"]["status"] == 2 else None

    assert wait_for(done, timeout=5, what="send progress")["progress"]["progress_in_percent"] == 100
    sim.post("/_sim/read", {"userid": "cand_01"})
    result = _result(sim, token, org, sent["task_id"])
    assert result["invalid_user_id_list"] == ["ghost"]
    assert result["read_user_id_list"] == ["cand_01"]
    assert result["unread_user_id_list"] == ["cand_02"]
    inbox = sim.get("/_sim/messages", params={"userid": "cand_02"})["messages"]
    assert inbox[0]["kind"] == "work_notification"


def test_work_notification_silent_daily_rules(
    sim: SimClient, token: str, org: dict[str, Any]
) -> None:
    sim.post("/_sim/config", {"work_notice_daily_limit": 2})
    _send(sim, token, org, userid_list="cand_01")
    duplicate = _send(sim, token, org, userid_list="cand_01")
    assert duplicate["errcode"] == 0  # over-limit sends still succeed
    assert _result(sim, token, org, duplicate["task_id"])["forbidden_list"] == [
        {"code": "143106", "count": 1, "userid": "cand_01"}
    ]
    other = {"msgtype": "markdown", "markdown": {"title": "t", "text": "second"}}
    _send(sim, token, org, userid_list="cand_01", msg=other)
    third = {"msgtype": "markdown", "markdown": {"title": "t", "text": "third"}}
    capped = _send(sim, token, org, userid_list="cand_01", msg=third)
    assert _result(sim, token, org, capped["task_id"])["forbidden_list"][0]["code"] == "143105"
    kinds = [m["kind"] for m in sim.get("/_sim/messages", params={"userid": "cand_01"})["messages"]]
    assert kinds == ["work_notification", "work_notification"]


def test_work_notification_by_department(sim: SimClient, token: str, org: dict[str, Any]) -> None:
    sent = _send(sim, token, org, dept_id_list="100")  # 门店运营部 includes 华东门店 (101)
    result = _result(sim, token, org, sent["task_id"])
    assert sorted(result["unread_user_id_list"]) == [
        "hr_lina",
        "hr_wangqiang",
        "iv_wuhua",
        "iv_zhoujie",
        "mgr_zhaomin",
    ]


def test_work_notification_validation(sim: SimClient, token: str, org: dict[str, Any]) -> None:
    assert _send(sim, token, org, agent_id=1, userid_list="cand_01")["errcode"] == 40056
    bad = _send(sim, token, org, userid_list="cand_01", msg={"msgtype": "nope"})
    assert bad["errcode"] != 0
    form = sim.raw(
        "POST",
        "/topapi/message/corpconversation/asyncsend_v2",
        data={
            "access_token": token,
            "agent_id": org["agent_id"],
            "userid_list": "cand_09",
            "msg": json.dumps({"msgtype": "text", "text": {"content": "表单"}}),
        },
    )
    assert form.json()["errcode"] == 0
