"""Encrypted HTTP event callbacks (protocol 7) and HTTP card callbacks (6.3)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot import crypto
from bot.crypto import CallbackCryptoError
from clients.dingtalk import CardDelivery
from jobs import context
from storage.action_models import Decision
from storage.models import Candidate
from storage.runtime import Runtime
from tests import factories as f
from tests.bot.conftest import run_jobs
from tests.bot.scenario import HR_LI, hr_card, scored_application, seed_people, send_score_cards
from tests.support.servers import LocalHttp

VECTORS = [
    (
        "mryue",
        "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
        "ding6ccabc44d2c8d38b",
        "1608001896814",
        "WL4PK6yA",
        "03044561471240d4a14bb09372dfcfd4fd0e40cb",
        "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDC"
        "YxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3",
        '{"EventType":"check_url"}',
    ),
    (
        "123456",
        "1234567890123456789012345678901234567890123",
        "dingsnotzck6pm5veliw",
        "1614767836",
        "A7Co0cJLMzIDtMMI",
        "9a95a004dd16f5c307e849b994173f76aa26e5eb",
        "YvkvaGe4hQxd3VxRmEty0dVlnCOAqwf56xwTRHDHoOURqhalbmBJQk5FNcRk42Gl5T0YQXZNwpwWSm1xAFJ5ZA==",
        "success",
    ),
]
TOKEN = "demo-callback-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
RECEIVE_ID = "dingdemoappkey"


@pytest.mark.parametrize(("token", "aes", "rid", "ts", "nonce", "sig", "enc", "plain"), VECTORS)
def test_the_protocol_test_vectors(
    token: str, aes: str, rid: str, ts: str, nonce: str, sig: str, enc: str, plain: str
) -> None:
    assert crypto.signature(token, ts, nonce, enc) == sig
    assert crypto.decrypt(enc, aes, rid) == plain
    prefix = base64.b64decode(aes + "=")
    raw = base64.b64decode(enc)
    # Re-encrypting with the vector's own random prefix gives the vector's ciphertext back.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(prefix), modes.CBC(prefix[:16])).decryptor()
    random16 = (decryptor.update(raw) + decryptor.finalize())[:16]
    assert crypto.encrypt(plain, aes, rid, prefix=random16) == enc


def test_a_wrong_receive_id_or_garbage_is_refused() -> None:
    _token, aes, _rid, _ts, _nonce, _sig, enc, _plain = VECTORS[0]
    with pytest.raises(CallbackCryptoError):
        crypto.decrypt(enc, aes, "dingsomeoneelse")
    with pytest.raises(CallbackCryptoError):
        crypto.decrypt("not base64!!", aes, "x")
    assert crypto.decrypt(crypto.encrypt("你好 ✓", AES_KEY, RECEIVE_ID), AES_KEY, RECEIVE_ID) == (
        "你好 ✓"
    )


def signed_event(payload: dict[str, Any], *, stamp: str | None = None, nonce: str = "n1") -> Any:
    stamp = stamp or str(int(time.time() * 1000))
    cipher = crypto.encrypt(json.dumps(payload), AES_KEY, RECEIVE_ID)
    query = {
        "msg_signature": crypto.signature(TOKEN, stamp, nonce, cipher),
        "timestamp": stamp,
        "nonce": nonce,
    }
    return query, {"encrypt": cipher}


@pytest.fixture
def http(bot_runtime: Runtime) -> FlaskClient:
    from web import create_app

    return create_app(runtime=bot_runtime, test_config={"TESTING": True}).test_client()


def test_check_url_gets_the_encrypted_success(http: FlaskClient) -> None:
    query, body = signed_event({"EventType": "check_url"})
    response = http.post("/dingtalk/events", query_string=query, json=body)
    assert response.status_code == 200
    reply = response.get_json()
    assert reply["msg_signature"] == crypto.signature(
        TOKEN, reply["timeStamp"], reply["nonce"], reply["encrypt"]
    )
    assert crypto.decrypt(reply["encrypt"], AES_KEY, RECEIVE_ID) == "success"


def _tampered(query: dict[str, str], body: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    cipher = body["encrypt"]
    flipped = cipher[:10] + ("A" if cipher[10] != "A" else "B") + cipher[11:]
    return query, {"encrypt": flipped}


def _wrong_signature(query: dict[str, str], body: dict[str, str]) -> Any:
    return {**query, "msg_signature": "0" * 40}, body


def _old_timestamp(query: dict[str, str], body: dict[str, str]) -> Any:
    return signed_event({"EventType": "check_url"}, stamp=str(int(time.time()) - 3600))


@pytest.mark.parametrize("spoil", [_tampered, _wrong_signature, _old_timestamp])
def test_tampered_forged_and_stale_events_are_refused(http: FlaskClient, spoil: Any) -> None:
    query, body = spoil(*signed_event({"EventType": "check_url"}))
    response = http.post("/dingtalk/events", query_string=query, json=body)
    assert response.status_code == 401
    assert "msg_signature" not in response.get_json()


def test_a_replayed_nonce_is_refused(http: FlaskClient) -> None:
    query, body = signed_event({"EventType": "check_url"}, nonce="once")
    assert http.post("/dingtalk/events", query_string=query, json=body).status_code == 200
    again = http.post("/dingtalk/events", query_string=query, json=body)
    assert again.status_code == 401
    assert again.get_json()["error"]["code"] == "replayed"


def test_sandbox_subscription_and_org_events_link_and_unlink(
    bot_runtime: Runtime, sim: LocalHttp, web_url: str
) -> None:
    with bot_runtime.session_factory() as s:
        f.candidate(s, "cand-05", name="陈静", mobile="13800130005")
        s.commit()
    registered = sim.post("/_sim/event-subscription", {"url": f"{web_url}/dingtalk/events"})
    assert registered["registered"], registered

    pushed = sim.post(
        "/_sim/http-events", {"event_type": "user_add_org", "data": {"UserId": ["cand_05"]}}
    )
    assert pushed["ok"], pushed
    run_jobs(bot_runtime)
    with bot_runtime.session_factory() as s:
        assert s.get(Candidate, "cand-05").linked_dingtalk_user_id == "cand_05"  # type: ignore[union-attr]

    left = sim.post(
        "/_sim/http-events", {"event_type": "user_leave_org", "data": {"UserId": ["cand_05"]}}
    )
    assert left["ok"], left
    run_jobs(bot_runtime)
    with bot_runtime.session_factory() as s:
        assert s.get(Candidate, "cand-05").linked_dingtalk_user_id is None  # type: ignore[union-attr]


def test_http_card_callback_through_the_sandbox(
    bot_runtime: Runtime, sim: LocalHttp, web_url: str, ehr: LocalHttp
) -> None:
    seed_people(bot_runtime)
    score_id = scored_application(bot_runtime, ehr, app_id="app-http")
    dingtalk = context.current().dingtalk
    dingtalk.register_card_callback(
        "mi-cards", f"{web_url}/dingtalk/card-callback", "card-callback-secret"
    )
    send_score_cards(bot_runtime, score_id)
    # The HR card again, this time as an HTTP-callback card under its own id.
    dingtalk.create_and_deliver_card(
        CardDelivery(
            out_track_id="http-card-1",
            template_id="mi-score-hr-v1.schema",
            user_id=HR_LI,
            card_data={"interview_id": "iv-app-http", "decision": ""},
            callback_type="HTTP",
            callback_route_key="mi-cards",
        )
    )
    assert hr_card(score_id, HR_LI)
    result = sim.post(
        "/_sim/cards/http-card-1/click",
        {
            "userid": HR_LI,
            "action_ids": ["advance"],
            "params": {"action": "advance", "interview_id": "iv-app-http"},
        },
    )
    assert result["delivered"], result
    assert result["card"]["public"]["decided_by"] == "李娜"
    with bot_runtime.session_factory() as s:
        assert s.scalars(select(Decision.decision)).all() == ["advance"]


def test_http_card_callback_needs_a_valid_signature(http: FlaskClient) -> None:
    stamp = str(int(time.time() * 1000))
    body = {"type": "actionCallback", "outTrackId": "x", "userId": HR_LI, "content": "{}"}
    bad = http.post(
        "/dingtalk/card-callback",
        json=body,
        headers={"x-ddpaas-signature-timestamp": stamp, "x-ddpaas-signature": "AAAA"},
    )
    assert bad.status_code == 401
    old = str(int(time.time() * 1000) - 3_600_000)
    stale = http.post(
        "/dingtalk/card-callback",
        json=body,
        headers={
            "x-ddpaas-signature-timestamp": old,
            "x-ddpaas-signature": crypto.card_signature("card-callback-secret", old),
        },
    )
    assert stale.status_code == 401
