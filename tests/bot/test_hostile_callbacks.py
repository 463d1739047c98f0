"""Hostile input on the signed edges: the EHR webhook, DingTalk's HTTP events and card callbacks.

Timestamps in digits that are not ASCII, bodies nested 100,000 levels deep, NUL in ids: each
answers a 4xx with the error object (or DingTalk's ack), never a 500; nothing is parsed before
the signature over the raw bytes holds.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from bot import crypto
from bot.actions import BadCallback, parse_card_callback
from bot.inbound import IGNORED, accept_bot_message, accept_event
from sandbox.ehr import events as ev
from storage.runtime import Runtime
from tests.bot.test_http_callbacks import AES_KEY, RECEIVE_ID, TOKEN


@pytest.fixture
def http(bot_runtime: Runtime) -> FlaskClient:
    from web import create_app

    return create_app(runtime=bot_runtime, test_config={"TESTING": True}).test_client()


def _error(response: Any) -> dict[str, Any]:
    body = response.get_json(silent=True) or {}
    error: dict[str, Any] = body.get("error") or {}
    assert error.get("code") and "message" in error, response.get_data(as_text=True)[:300]
    return error


def _signed_cipher(plain: str, *, stamp: str, nonce: str = "n-hostile") -> Any:
    cipher = crypto.encrypt(plain, AES_KEY, RECEIVE_ID)
    query = {
        "msg_signature": crypto.signature(TOKEN, stamp, nonce, cipher),
        "timestamp": stamp,
        "nonce": nonce,
    }
    return query, {"encrypt": cipher}


@pytest.mark.parametrize("stamp", ["²", "١٦٠٨٠٠١٨٩٦٨١٤", "9" * 40, "-1"])
def test_event_timestamps_in_other_digits_are_refused(http: FlaskClient, stamp: str) -> None:
    query, body = _signed_cipher('{"EventType":"check_url"}', stamp=stamp)
    response = http.post("/dingtalk/events", query_string=query, json=body)
    assert response.status_code == 401, response.get_data(as_text=True)
    assert _error(response)["code"] == "timestamp_out_of_window"


@pytest.mark.parametrize(
    "plain",
    [
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{"EventType": "user_leave_org", "UserId": ["u\\u0000"]}',
        '{"EventType": "user_leave_org", "UserId": ["\\ud800"]}',
        "[1, 2]",
        "NaN",
    ],
    ids=["deep", "nul", "surrogate", "array", "nan"],
)
def test_signed_events_that_cannot_be_stored_are_400(http: FlaskClient, plain: str) -> None:
    query, body = _signed_cipher(plain, stamp=str(int(time.time() * 1000)))
    response = http.post("/dingtalk/events", query_string=query, json=body)
    assert response.status_code == 400
    _error(response)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000, b'{"encrypt": "\\u0000"}'])
def test_unsigned_event_bodies_never_reach_a_parser_unbounded(
    http: FlaskClient, body: bytes
) -> None:
    response = http.post(
        "/dingtalk/events?timestamp=1&nonce=x&msg_signature=0",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 401)
    _error(response)


@pytest.mark.parametrize("stamp", ["²", "١٢٣", "1" * 40, " 1"])
def test_webhook_timestamps_in_other_digits_are_refused(
    http: FlaskClient, bot_runtime: Runtime, stamp: str
) -> None:
    body = ev.batch_body([ev.event("department", ev.department("d-1"))])
    headers = {
        **ev.sign(body, bot_runtime.settings.require("EHR_WEBHOOK_SECRET")),
        "X-EHR-Timestamp": stamp,
    }
    response = http.post("/ehr/events", data=body, headers=headers)
    assert response.status_code == 401
    assert _error(response)["code"] == "bad_timestamp"


@pytest.mark.parametrize(
    "body",
    [
        b'{"events": ' + b"1" + b"0" * 5000 + b"}",
        b'{"events": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
        b'{"events": "\\u0000"}',
        b"\xff\xfe",
    ],
    ids=["digits", "deep", "nul", "not utf-8"],
)
def test_signed_webhook_bodies_that_do_not_parse_are_400(
    http: FlaskClient, bot_runtime: Runtime, body: bytes
) -> None:
    headers = ev.sign(body, bot_runtime.settings.require("EHR_WEBHOOK_SECRET"))
    response = http.post("/ehr/events", data=body, headers=headers)
    assert response.status_code == 400
    _error(response)


def _callback(private: Any, **over: Any) -> dict[str, Any]:
    content = json.dumps({"cardPrivateData": private})
    return {"outTrackId": "card-1", "userId": "hr_lina", "content": content, **over}


@pytest.mark.parametrize(
    "data",
    [
        _callback({"actionIds": ["advance"], "params": {"interview_id": "iv\x00"}}),
        _callback({"actionIds": ["advance"], "params": {}}, outTrackId="c\x00"),
        _callback({"actionIds": ["advance"], "params": {}}, userId="u\x00"),
        {"outTrackId": "c", "userId": "u", "content": '{"a":' * 100_000 + "1" + "}" * 100_000},
        {"outTrackId": "c", "userId": "u", "content": "NaN"},
    ],
    ids=["nul param", "nul card", "nul user", "deep content", "nan"],
)
def test_card_callbacks_that_cannot_be_stored_are_bad_callbacks(data: dict[str, Any]) -> None:
    with pytest.raises(BadCallback):
        parse_card_callback(data)


def test_robot_messages_and_org_events_holding_nul_are_ignored(bot_runtime: Runtime) -> None:
    message = {
        "msgId": "m-1",
        "msgtype": "text",
        "text": {"content": "查询\x00"},
        "senderStaffId": "hr_lina",
        "sessionWebhookExpiredTime": "²",
    }
    assert accept_bot_message(bot_runtime, message) == IGNORED
    clean = {**message, "msgId": "m-2", "text": {"content": "帮助"}}
    assert accept_bot_message(bot_runtime, clean) != IGNORED  # "²" expiry is just "no expiry"
    event = {"UserId": ["u\x00"]}
    assert accept_event(bot_runtime, event_type="user_leave_org", event_id="e-1", data=event) == (
        IGNORED
    )


def test_signatures_that_are_not_ascii_are_refused_not_crashed(
    http: FlaskClient, bot_runtime: Runtime
) -> None:
    body = ev.batch_body([ev.event("department", ev.department("d-1"))])
    headers = {**ev.sign(body, "test-webhook-secret"), "X-EHR-Signature": "v1=é"}
    assert http.post("/ehr/events", data=body, headers=headers).status_code == 401
    stamp = str(int(time.time() * 1000))
    query, cipher = _signed_cipher('{"EventType":"check_url"}', stamp=stamp)
    query["msg_signature"] = "é" * 40
    assert http.post("/dingtalk/events", query_string=query, json=cipher).status_code == 401
    card = http.post(
        "/dingtalk/card-callback",
        json={"outTrackId": "c", "userId": "u", "content": "{}"},
        headers={"x-ddpaas-signature-timestamp": stamp, "x-ddpaas-signature": "é"},
    )
    assert card.status_code in (401, 403)
    _error(card)
