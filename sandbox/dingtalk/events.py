"""Events: Stream EVENT frames redelivered until ACKed, and encrypted HTTP event pushes."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import aiohttp

from sandbox.dingtalk import crypto
from sandbox.dingtalk.state import Sim, new_id, now_ms
from sandbox.dingtalk.stream import StreamHub


def ack_succeeded(ack: dict[str, Any]) -> bool:
    """code 200 wins; a `status` in data only counts when present (the Python SDK echoes data)."""
    if ack.get("code") != 200:
        return False
    try:
        data = json.loads(ack.get("data") or "{}")
    except (TypeError, ValueError):
        return True
    status = data.get("status") if isinstance(data, dict) else None
    return status not in ("LATER",)


def start_stream_event(
    sim: Sim, hub: StreamHub, event_type: str, data: dict[str, Any], event_id: str | None = None
) -> dict[str, Any]:
    """Record an EVENT and start delivering it in the background."""
    record: dict[str, Any] = {
        "event_id": event_id or new_id(),
        "event_type": event_type,
        "data": data,
        "born": now_ms(),
        "status": "pending",
        "deliveries": [],
    }
    sim.store.events[record["event_id"]] = record
    hub.spawn(_deliver_event(sim, hub, record))
    return record


async def _deliver_event(sim: Sim, hub: StreamHub, record: dict[str, Any]) -> None:
    headers = {
        "eventType": record["event_type"],
        "eventId": record["event_id"],
        "eventCorpId": sim.org.corp_id,
        "eventBornTime": str(record["born"]),
        "eventUnifiedAppId": sim.org.app_key,
    }
    store = sim.store
    for _ in range(sim.config.event_max_attempts):
        if sim.store is not store:  # /_sim/reset: stop redelivering old events
            return
        wait = sim.config.event_redeliver_seconds
        conn = hub.pick(sim.org.app_key, "EVENT", "*")
        if conn is None:
            record["deliveries"].append({"time": now_ms(), "result": "no_connection"})
            await asyncio.sleep(wait)
            continue
        message_id = await hub.push(conn, "EVENT", "*", record["data"], headers)
        waiter = hub.expect_ack(message_id)
        delivery: dict[str, Any] = {
            "time": now_ms(),
            "message_id": message_id,
            "connection_id": conn.id,
        }
        record["deliveries"].append(delivery)
        try:
            ack = await asyncio.wait_for(waiter, wait)
        except TimeoutError:
            hub.waiters.pop(message_id, None)
            delivery["result"] = "timeout"
            continue
        delivery["result"], delivery["code"] = "ack", ack.get("code")
        if ack_succeeded(ack):
            record["status"] = "acked"
            return
        await asyncio.sleep(wait)
    record["status"] = "gave_up"


def _subscription(sim: Sim) -> dict[str, str]:
    sub = sim.store.event_subscription
    return {
        "url": sub.get("url", ""),
        "token": sub.get("token") or sim.org.callback_token,
        "aes_key": sub.get("aes_key") or sim.org.callback_aes_key,
        "receive_id": sub.get("receive_id") or sim.org.app_key,
    }


async def push_http_event(
    sim: Sim, payload: dict[str, Any], *, url: str | None = None, timeout: float = 5.0
) -> dict[str, Any]:
    """POST one encrypted event and validate the encrypted `success` reply (section 7.5)."""
    sub = _subscription(sim)
    target = url or sub["url"]
    timestamp, nonce = str(now_ms()), secrets.token_hex(4)
    cipher = crypto.encrypt(
        json.dumps(payload, ensure_ascii=False), sub["aes_key"], sub["receive_id"]
    )
    query = {
        "msg_signature": crypto.signature(sub["token"], timestamp, nonce, cipher),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    result: dict[str, Any] = {"time": now_ms(), "url": target, "payload": payload, "ok": False}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            http.post(target, params=query, json={"encrypt": cipher}) as resp,
        ):
            result["status"] = resp.status
            text = await resp.text()
    except (TimeoutError, aiohttp.ClientError) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        sim.store.http_events.append(result)
        return result
    result["reply"] = text
    result["error"] = _check_reply(resp.status, text, sub)
    result["ok"] = result["error"] is None
    sim.store.http_events.append(result)
    return result


def _check_reply(status: int, text: str, sub: dict[str, str]) -> str | None:
    """None when the reply is a correctly signed, correctly encrypted `success`."""
    if status != 200:
        return f"HTTP {status}"
    try:
        reply = json.loads(text)
        sig, stamp, nonce, enc = (
            str(reply[k]) for k in ("msg_signature", "timeStamp", "nonce", "encrypt")
        )
    except (ValueError, KeyError, TypeError):
        return "HTTP请求结果校验返回字段值失败"
    if crypto.signature(sub["token"], stamp, nonce, enc) != sig:
        return "签名校验失败"
    try:
        plain = crypto.decrypt(enc, sub["aes_key"], sub["receive_id"])
    except (crypto.CryptoError, UnicodeDecodeError) as exc:
        return f"解密失败: {exc}"
    return None if plain == "success" else f"reply decrypts to {plain!r}, not 'success'"


async def register_subscription(sim: Sim, settings: dict[str, str]) -> dict[str, Any]:
    """Save the event URL only if it answers check_url within the deadline (1500 ms)."""
    previous = dict(sim.store.event_subscription)
    sim.store.event_subscription = {k: str(v) for k, v in settings.items() if v}
    check = await push_http_event(
        sim, {"EventType": "check_url"}, timeout=sim.config.event_check_url_timeout
    )
    if not check["ok"]:
        sim.store.event_subscription = previous
    return {"registered": check["ok"], "check": check}


async def push_with_retries(
    sim: Sim, payload: dict[str, Any], *, url: str | None, retries: int
) -> dict[str, Any]:
    attempts = []
    for _ in range(max(retries, 0) + 1):
        result = await push_http_event(sim, payload, url=url)
        attempts.append(result)
        if result["ok"]:
            break
    return {"ok": attempts[-1]["ok"], "attempts": attempts}
