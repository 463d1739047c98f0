"""Tokens, expiry, throttling and injected faults as the SDK and plain HTTP clients see them."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth_models
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from Tea.exceptions import TeaException

from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import card_client, get_token, robot_send, sdk_config, update_card


def test_token_issue_and_reuse(sim: SimClient, org: dict[str, Any]) -> None:
    first = get_token(sim.base_url, org["app_key"], org["app_secret"])
    second = get_token(sim.base_url, org["app_key"], org["app_secret"])
    assert first == second
    old = sim.get("/gettoken", params={"appkey": org["app_key"], "appsecret": org["app_secret"]})
    assert old["errcode"] == 0 and old["access_token"] == first and old["expires_in"] == 7200


def test_bad_credentials(sim: SimClient, org: dict[str, Any]) -> None:
    client = OAuthClient(sdk_config(sim.base_url))
    with pytest.raises(TeaException) as caught:
        client.get_access_token(oauth_models.GetAccessTokenRequest(app_key="x", app_secret="y"))
    assert caught.value.code == "invalidClientIdOrSecret"
    assert caught.value.data["statusCode"] == 400
    old = sim.get("/gettoken", params={"appkey": org["app_key"], "appsecret": "bad"})
    assert old["errcode"] == 40096
    assert sim.get("/gettoken")["errcode"] == 40035


def test_expired_token_errors(sim: SimClient, org: dict[str, Any]) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    assert sim.post("/_sim/tokens/expire")["expired"] == 1
    with pytest.raises(TeaException) as caught:
        update_card(card_client(sim.base_url), token, "any", {"a": "b"}, by_key=True)
    assert caught.value.code == "InvalidAuthentication"
    assert caught.value.data["statusCode"] == 400
    old = sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "hr_lina"})
    assert (old["errcode"], old["sub_code"]) == (88, "40014")
    assert get_token(sim.base_url, org["app_key"], org["app_secret"]) != token


def test_missing_token_errors(sim: SimClient) -> None:
    resp = sim.raw("PUT", "/v1.0/card/instances", json={"outTrackId": "x"})
    assert resp.status_code == 400
    assert resp.json()["code"] == "AuthenticationFailed.MissingParameter"
    old = sim.post("/topapi/v2/user/get", {"userid": "hr_lina"})
    assert (old["errcode"], old["sub_code"]) == (88, "40000")


def test_throttling_surfaces_as_sdk_exception(sim: SimClient, org: dict[str, Any]) -> None:
    sim.post("/_sim/config", {"qps_limit": 3})
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    param = json.dumps({"content": "hi"})
    with pytest.raises(TeaException) as caught:
        for _ in range(6):
            robot_send(sim.base_url, token, org, ["cand_01"], param)
    assert caught.value.code == "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
    assert caught.value.data["statusCode"] == 403
    statuses = []
    for _ in range(5):
        statuses.append(
            sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "hr_lina"})["errcode"]
        )
    assert 90018 in statuses and statuses[0] == 0


@pytest.mark.parametrize(
    ("mode", "code", "errcode"),
    [
        ("global", "Forbidden.AccessDenied.QpsLimitForApi", 90002),
        ("quota", "Forbidden.AccessDenied.ApiCountLimitForOrg", 90020),
    ],
)
def test_throttle_modes(
    sim: SimClient, org: dict[str, Any], mode: str, code: str, errcode: int
) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    sim.post("/_sim/config", {"throttle_mode": mode, "qps_limit": 1})
    results = [
        sim.raw(
            "PUT",
            "/v1.0/card/instances",
            json={"outTrackId": "x"},
            headers={"x-acs-dingtalk-access-token": token},
        )
        for _ in range(3)
    ]
    assert results[-1].status_code == 403 and results[-1].json()["code"] == code
    old = [
        sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "hr_lina"})
        for _ in range(3)
    ]
    assert old[-1]["errcode"] == errcode


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("throttle", lambda e: e.code == "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"),
        ("500", lambda e: e.data["statusCode"] == 500),
        ("502", lambda e: e.code is None),  # HTML body: the SDK cannot parse it
        ("504", lambda e: e.data["statusCode"] == 504),
        ("reset", lambda e: e.code is None),
        ("delay", lambda e: e.code is None and "timed out" in str(e).lower()),
    ],
)
def test_fault_injection(sim: SimClient, org: dict[str, Any], kind: str, check: Any) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    sim.post(
        "/_sim/faults", {"path": "/v1.0/card/instances", "kind": kind, "count": 1, "delay": 1.5}
    )
    client = card_client(sim.base_url, read_timeout_ms=500)
    with pytest.raises(TeaException) as caught:
        update_card(client, token, "missing", {"a": "b"}, by_key=True)
    assert check(caught.value), (caught.value.code, str(caught.value))
    # the fault is spent: the next call reaches the real handler
    with pytest.raises(TeaException) as after:
        update_card(client, token, "missing", {"a": "b"}, by_key=True)
    assert after.value.code == "InvalidParameter.OutTrackId"


def test_oapi_timeout_fault(sim: SimClient, org: dict[str, Any]) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    sim.post("/_sim/faults", {"path": "/topapi/v2/user/get", "kind": "timeout", "count": 1})
    body = sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "hr_lina"})
    assert body["errcode"] == 15
    with pytest.raises(requests.ConnectionError):
        sim.post("/_sim/faults", {"path": "/topapi/v2/user/get", "kind": "reset", "count": 1})
        sim.post(f"/topapi/v2/user/get?access_token={token}", {"userid": "hr_lina"})


def test_disabled_permission(sim: SimClient, org: dict[str, Any]) -> None:
    sim.post("/_sim/config", {"disabled_scopes": ["qyapi_robot_sendmsg"]})
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    with pytest.raises(TeaException) as caught:
        robot_send(sim.base_url, token, org, ["cand_01"], json.dumps({"content": "x"}))
    assert caught.value.code == "Forbidden.AccessDenied.AccessTokenPermissionDenied"
    assert caught.value.data["accessdenieddetail"] == {"requiredScopes": ["qyapi_robot_sendmsg"]}


def test_reset_clears_state_and_config(sim: SimClient, org: dict[str, Any]) -> None:
    sim.post("/_sim/config", {"qps_limit": 1})
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    robot_send(sim.base_url, token, org, ["cand_01"], json.dumps({"content": "x"}))
    sim.post("/_sim/reset")
    assert sim.get("/_sim/messages")["messages"] == []
    assert sim.get("/_sim/config")["config"]["qps_limit"] == 20
    with pytest.raises(TeaException) as caught:  # tokens are gone too
        update_card(card_client(sim.base_url), token, "x", {"a": "b"}, by_key=True)
    assert caught.value.code == "InvalidAuthentication"
