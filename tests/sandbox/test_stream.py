"""The Stream gateway as the real SDK and a raw websocket client see it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import requests
import websockets

from tests.sandbox.conftest import SimClient
from tests.support.servers import wait_for


def _open(sim: SimClient, org: dict[str, Any], subscriptions: list[dict[str, str]]) -> Any:
    return sim.raw(
        "POST",
        "/v1.0/gateway/connections/open",
        json={
            "clientId": org["app_key"],
            "clientSecret": org["app_secret"],
            "subscriptions": subscriptions,
            "ua": "test/1.0",
            "localIp": "",
        },
    )


def test_open_rejects_bad_credentials(sim: SimClient, org: dict[str, Any]) -> None:
    resp = sim.raw(
        "POST",
        "/v1.0/gateway/connections/open",
        json={"clientId": org["app_key"], "clientSecret": "wrong", "subscriptions": []},
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalidClientIdOrSecret"


def test_ticket_is_single_use(sim: SimClient, org: dict[str, Any]) -> None:
    opened = _open(sim, org, [{"type": "EVENT", "topic": "*"}]).json()
    assert opened["endpoint"].startswith("ws://127.0.0.1:") and "?" not in opened["endpoint"]
    url = f"{opened['endpoint']}?ticket={opened['ticket']}"

    async def scenario() -> None:
        async with websockets.connect(url, open_timeout=5, proxy=None):
            with pytest.raises(websockets.exceptions.InvalidStatus) as caught:
                async with websockets.connect(url, open_timeout=5, proxy=None):
                    pass
            assert caught.value.response.status_code == 401

    asyncio.run(asyncio.wait_for(scenario(), 15))


def test_expired_ticket_is_rejected(sim: SimClient, org: dict[str, Any]) -> None:
    sim.post("/_sim/config", {"ticket_ttl": 0})
    opened = _open(sim, org, []).json()
    resp = requests.get(
        sim.base_url + f"/connect?ticket={opened['ticket']}",
        timeout=5,
        headers={"Upgrade": "websocket", "Connection": "Upgrade"},
    )
    assert resp.status_code == 401 and resp.json()["code"] == "InvalidTicket"


def test_frames_pings_and_subscriptions(connected: SimClient, org: dict[str, Any]) -> None:
    opened = _open(connected, org, [{"type": "EVENT", "topic": "*"}]).json()

    async def scenario() -> dict[str, Any]:
        url = f"{opened['endpoint']}?ticket={opened['ticket']}"
        async with websockets.connect(url, open_timeout=5, proxy=None) as ws:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            ack = {
                "code": 200,
                "headers": {
                    "messageId": frame["headers"]["messageId"],
                    "contentType": "application/json",
                },
                "message": "OK",
                "data": frame["data"],
            }
            await ws.send(json.dumps(ack))
            for _ in range(5):  # bot messages must never reach this EVENT-only connection
                connected.post("/_sim/bot-messages", {"userid": "cand_01", "text": "hi"})
            await asyncio.sleep(0)
            return dict(frame)

    ping = asyncio.run(asyncio.wait_for(scenario(), 15))
    assert ping["specVersion"] == "1.0" and ping["type"] == "SYSTEM"
    headers = ping["headers"]
    assert headers["topic"] == "ping" and headers["time"].isdigit()
    assert all(isinstance(v, str) for v in headers.values())
    assert "opaque" in json.loads(ping["data"])
    raw_conn = headers["connectionId"]
    frames = connected.get("/_sim/frames")["frames"]
    bot_frames = [f for f in frames if f["topic"] == "/v1.0/im/bot/messages/get"]
    assert len(bot_frames) == 5 and all(f["connection_id"] != raw_conn for f in bot_frames)
    acks = connected.get("/_sim/acks")["acks"]
    assert any(a["message_id"] == headers["messageId"] and a["code"] == 200 for a in acks)


def test_sdk_answers_pings(connected: SimClient) -> None:
    def ping_ack() -> Any:
        acks = connected.get("/_sim/acks")["acks"]
        return [a for a in acks if a["topic"] == "ping" and a["code"] == 200]

    acked = wait_for(ping_ack, timeout=10, what="a ping ACK from the SDK")
    assert "opaque" in json.loads(acked[0]["data"])


@pytest.mark.parametrize("mode", ["error", "silent"])
def test_event_redelivered_until_acked(connected: SimClient, mode: str) -> None:
    event = connected.post(
        "/_sim/events",
        {
            "event_type": "user_add_org",
            "data": {"fail_times": 2, "mode": mode, "userId": ["cand_01"]},
        },
    )

    def acked() -> Any:
        events = connected.get("/_sim/events")["events"]
        found = next(e for e in events if e["event_id"] == event["event_id"])
        return found if found["status"] == "acked" else None

    record = wait_for(acked, timeout=15, what="EVENT acknowledged")
    assert len(record["deliveries"]) == 3
    frames = [f for f in connected.get("/_sim/frames")["frames"] if f["type"] == "EVENT"]
    headers = frames[-1]["frame"]["headers"]
    assert headers["eventId"] == event["event_id"] and headers["eventType"] == "user_add_org"
    assert headers["eventBornTime"].isdigit() and headers["eventCorpId"]


def test_disconnect_makes_sdk_reconnect(connected: SimClient) -> None:
    before = {c["id"] for c in connected.connections()}
    assert connected.post("/_sim/disconnect", {})["connections"]

    def reconnected() -> Any:
        now = {c["id"] for c in connected.connections()}
        return now if now and not (now & before) else None

    wait_for(reconnected, timeout=15, what="the SDK to reconnect with a new ticket")
