"""Malformed requests get DingTalk's own error shapes, never a crash or a 500 page."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.dingtalk.seed import load_seed
from sandbox.dingtalk.testing import REPO_ROOT
from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import get_token

NEW_API = [
    ("POST", "/v1.0/card/instances/createAndDeliver", "{not json"),
    ("POST", "/v1.0/card/instances/createAndDeliver", "[1, 2]"),
    ("POST", "/v1.0/card/instances/createAndDeliver", '{"outTrackId": "x"}'),
    (
        "POST",
        "/v1.0/card/instances/createAndDeliver",
        '{"outTrackId":"x","cardTemplateId":"unknown.schema","openSpaceId":"dtv1.card//IM_ROBOT.a"}',
    ),
    ("PUT", "/v1.0/card/instances", '{"outTrackId": 5, "cardData": "text"}'),
    ("POST", "/v1.0/card/callbacks/register", "{}"),
    ("POST", "/v1.0/robot/oToMessages/batchSend", '{"robotCode": "dingdemoappkey"}'),
    (
        "POST",
        "/v1.0/robot/oToMessages/batchSend",
        '{"robotCode":"dingdemoappkey","userIds":["cand_01"],"msgKey":"sampleText","msgParam":"x"}',
    ),
    ("GET", "/v1.0/robot/oToMessages/readStatus", ""),
    ("POST", "/v1.0/robot/otoMessages/batchRecall", '{"robotCode": "dingdemoappkey"}'),
    ("POST", "/v1.0/oauth2/accessToken", "\xff\xfe"),
    ("POST", "/v1.0/gateway/connections/open", "null"),
    ("GET", "/v1.0/does/not/exist", ""),
]
OAPI = [
    ("POST", "/topapi/v2/user/getuserinfo", "{oops"),
    ("POST", "/topapi/v2/user/get", '{"userid": ["a"]}'),
    ("POST", "/topapi/message/corpconversation/asyncsend_v2", '{"agent_id": "100001"}'),
    ("POST", "/topapi/message/corpconversation/getsendresult", '{"agent_id":100001,"task_id":"x"}'),
    ("POST", "/topapi/message/corpconversation/getsendprogress", "[]"),
    ("POST", "/robot/sendBySession", "{}"),
    ("GET", "/no/such/oapi", ""),
]


@pytest.mark.parametrize(("method", "path", "body"), NEW_API)
def test_new_api_errors_are_json(
    sim: SimClient, org: dict[str, Any], method: str, path: str, body: str
) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    resp = sim.raw(
        method,
        path,
        data=body.encode("utf-8", "surrogateescape"),
        headers={"x-acs-dingtalk-access-token": token, "Content-Type": "application/json"},
    )
    assert 400 <= resp.status_code < 500, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert {"code", "message", "requestid"} <= set(resp.json())


@pytest.mark.parametrize(("method", "path", "body"), OAPI)
def test_oapi_errors_are_errcode_shaped(
    sim: SimClient, org: dict[str, Any], method: str, path: str, body: str
) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    resp = sim.raw(
        method,
        f"{path}?access_token={token}",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 200
    payload = resp.json()
    assert payload["errcode"] not in (0, None) and "errmsg" in payload


def test_demo_org_maps_into_dingtalk_users() -> None:
    org = load_seed(REPO_ROOT / "sandbox" / "demo_org.json")
    assert org.corp_id == "dingdemocorp" and org.robot_code == org.app_key
    assert "cand_20" not in org.users  # in_dingtalk: false
    assert org.users["cand_05"].kind == "candidate"
    assert org.users["hr_wangqiang"].dept_id_list == [101]
    assert org.sub_department_ids(100) == {100, 101}
    assert len(org.users) == 9 + 19  # staff (3 of them interviewers) and candidates
