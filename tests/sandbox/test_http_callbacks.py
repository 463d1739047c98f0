"""HTTP callbacks the sandbox makes to the app: card callback routes and encrypted events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from sandbox.dingtalk import crypto
from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import card_client, create_and_deliver, get_token, register_route

API_SECRET = "route-secret"
TOKEN, AES_KEY, RECEIVE_ID = "apptoken", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "dingapp"


class AppSide(BaseHTTPRequestHandler):
    """Plays the app: verifies what DingTalk would send and answers like a correct app."""

    received: list[dict[str, Any]] = []  # noqa: RUF012 - shared per test server
    reply_mode = "encrypted"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        url = urlparse(self.path)
        answer = self._card(body) if url.path == "/card" else self._event(url.query, body)
        data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _card(self, body: dict[str, Any]) -> dict[str, Any]:
        stamp = self.headers["x-ddpaas-signature-timestamp"]
        expected = base64.b64encode(
            hmac.new(API_SECRET.encode(), stamp.encode(), hashlib.sha256).digest()
        ).decode()
        ok = hmac.compare_digest(expected, self.headers["x-ddpaas-signature"])
        self.received.append({"kind": "card", "body": body, "signature_ok": ok})
        params = json.loads(body["content"])["cardPrivateData"]["params"]
        return {
            "cardData": {"cardParamMap": {"decision": params["action"]}},
            "cardUpdateOptions": {"updateCardDataByKey": True},
        }

    def _event(self, query: str, body: dict[str, Any]) -> Any:
        q = {k: v[0] for k, v in parse_qs(query).items()}
        sig = crypto.signature(TOKEN, q["timestamp"], q["nonce"], body["encrypt"])
        event = json.loads(crypto.decrypt(body["encrypt"], AES_KEY, RECEIVE_ID))
        self.received.append(
            {"kind": "event", "event": event, "signature_ok": sig == q["msg_signature"]}
        )
        if self.reply_mode == "plain":
            return "success"
        return crypto.encrypted_body(
            "success",
            token=TOKEN,
            aes_key=AES_KEY,
            receive_id=RECEIVE_ID,
            timestamp=q["timestamp"],
            nonce="n1",
        )


@pytest.fixture
def app_side() -> Iterator[str]:
    AppSide.received, AppSide.reply_mode = [], "encrypted"
    server = ThreadingHTTPServer(("127.0.0.1", 0), AppSide)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_http_card_callback_is_signed_and_applied(
    sim: SimClient, org: dict[str, Any], app_side: str
) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    route = register_route(
        sim.base_url, token, key="hr_card", url=f"{app_side}/card", secret=API_SECRET
    )
    assert route.body.result.callback_url == f"{app_side}/card"
    create_and_deliver(
        card_client(sim.base_url),
        token,
        org,
        template="not_attended_hr",
        out_track_id="na-1",
        userid="hr_sunli",
        callback_type="HTTP",
        route_key="hr_card",
        params={"interview_id": "7", "decision": ""},
    )
    click = sim.post(
        "/_sim/cards/na-1/click",
        {
            "userid": "hr_sunli",
            "action_ids": ["extend_24h"],
            "params": {"action": "extend", "hours": "24"},
        },
    )
    assert click["delivered"] is True and click["card"]["public"]["decision"] == "extend"
    assert click["card"]["public"]["interview_id"] == "7"
    call = AppSide.received[0]
    assert call["signature_ok"] and call["body"]["outTrackId"] == "na-1"
    assert call["body"]["userId"] == "hr_sunli" and call["body"]["type"] == "actionCallback"


def test_encrypted_event_subscription_and_push(sim: SimClient, app_side: str) -> None:
    registered = sim.post(
        "/_sim/event-subscription",
        {"url": f"{app_side}/events", "token": TOKEN, "aes_key": AES_KEY, "receive_id": RECEIVE_ID},
    )
    assert registered["registered"] is True, registered
    pushed = sim.post(
        "/_sim/http-events", {"event_type": "user_add_org", "data": {"UserId": ["cand_01"]}}
    )
    assert pushed["ok"] is True, pushed
    events = [r for r in AppSide.received if r["kind"] == "event"]
    assert [e["event"]["EventType"] for e in events] == ["check_url", "user_add_org"]
    assert all(e["signature_ok"] for e in events)


def test_plain_success_reply_is_a_failure(sim: SimClient, app_side: str) -> None:
    AppSide.reply_mode = "plain"
    registered = sim.post(
        "/_sim/event-subscription",
        {"url": f"{app_side}/events", "token": TOKEN, "aes_key": AES_KEY, "receive_id": RECEIVE_ID},
    )
    assert registered["registered"] is False
    assert registered["check"]["error"] == "HTTP请求结果校验返回字段值失败"
