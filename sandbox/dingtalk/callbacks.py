"""A user clicks a card button: send the real callback (Stream or HTTP) and apply the answer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import aiohttp

from sandbox.dingtalk.cards import apply_data, check_param_map
from sandbox.dingtalk.errors import NewApiError
from sandbox.dingtalk.state import Card, Sim, conversation_id, now_ms
from sandbox.dingtalk.stream import StreamHub

CARD_TOPIC = "/v1.0/card/instances/callback"


def callback_payload(
    sim: Sim, card: Card, userid: str, action_ids: list[str], params: dict[str, Any]
) -> dict[str, Any]:
    """Section 6.1: `content` and its twin `value` are JSON *strings*."""
    content = json.dumps(
        {"cardPrivateData": {"actionIds": action_ids, "params": params}}, ensure_ascii=False
    )
    user = sim.org.users.get(userid)
    user_id = user.unionid if (user and card.user_id_type == 2) else userid
    return {
        "type": "actionCallback",
        "outTrackId": card.out_track_id,
        "corpId": sim.org.corp_id,
        "userId": user_id,
        "userIdType": card.user_id_type,
        "spaceType": "im",
        "spaceId": conversation_id(sim.org.app_key, userid),
        "extension": "{}",
        "content": content,
        "value": content,
    }


def ddpaas_headers(api_secret: str) -> dict[str, str]:
    """x-ddpaas-signature = base64(HMAC-SHA256(apiSecret, str(timestamp ms)))."""
    timestamp = str(now_ms())
    digest = hmac.new(api_secret.encode(), timestamp.encode(), hashlib.sha256).digest()
    return {
        "x-ddpaas-signature-timestamp": timestamp,
        "x-ddpaas-signature": base64.b64encode(digest).decode(),
    }


async def _via_stream(sim: Sim, hub: StreamHub, payload: dict[str, Any]) -> tuple[Any, str | None]:
    conn = hub.pick(sim.org.app_key, "CALLBACK", CARD_TOPIC)
    if conn is None:
        return None, f"no Stream connection subscribed to {CARD_TOPIC}"
    message_id = await hub.push(conn, "CALLBACK", CARD_TOPIC, payload)
    waiter = hub.expect_ack(message_id)
    try:
        ack = await asyncio.wait_for(waiter, sim.config.callback_timeout)
    except TimeoutError:
        hub.waiters.pop(message_id, None)
        return None, f"no answer within {sim.config.callback_timeout:g} s"
    if ack.get("code") != 200:
        return None, f"callback ACK code {ack.get('code')}"
    try:
        data = json.loads(ack.get("data") or "{}")
    except (TypeError, ValueError):
        return None, "ACK data is not JSON"
    response = data.get("response") if isinstance(data, dict) else None
    return _maybe_json(response), None


async def _via_http(sim: Sim, card: Card, payload: dict[str, Any]) -> tuple[Any, str | None]:
    route = sim.store.routes.get(card.callback_route_key)
    if route is None:
        return None, f"no callback route registered for {card.callback_route_key!r}"
    headers = ddpaas_headers(route["apiSecret"]) if route.get("apiSecret") else {}
    timeout = aiohttp.ClientTimeout(total=sim.config.callback_timeout)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(route["callbackUrl"], json=payload, headers=headers) as resp,
        ):
            text = await resp.text()
            if resp.status != 200:
                return None, f"callback URL answered HTTP {resp.status}"
    except TimeoutError:
        return None, f"no answer within {sim.config.callback_timeout:g} s"
    except aiohttp.ClientError as exc:
        return None, f"callback URL failed: {exc}"
    return _maybe_json(text) if text.strip() else None, None


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def apply_answer(sim: Sim, card: Card, userid: str, response: Any) -> str | None:
    """Apply cardData / userPrivateData / cardUpdateOptions from a callback answer."""
    if not isinstance(response, dict):
        return None
    try:
        public = None
        if isinstance(response.get("cardData"), dict):
            public = check_param_map("", response["cardData"].get("cardParamMap"), "cardData")
        private = {}
        if isinstance(response.get("userPrivateData"), dict):
            private[userid] = check_param_map(
                "", response["userPrivateData"].get("cardParamMap"), "userPrivateData"
            )
    except NewApiError as exc:  # a malformed answer leaves the card unchanged
        return f"answer rejected: {exc}"
    if public is None and not private:
        return None
    apply_data(
        card, public, private, response.get("cardUpdateOptions"), sim.config.update_by_key_default
    )
    card.snapshot("callback", userid=userid)
    return None


async def click(
    sim: Sim,
    hub: StreamHub,
    card: Card,
    userid: str,
    *,
    action_ids: list[str],
    params: dict[str, Any],
) -> dict[str, Any]:
    """Run one button click end to end; the card changes only if the answer came in time."""
    payload = callback_payload(sim, card, userid, action_ids, params)
    if card.callback_type == "HTTP":
        response, error = await _via_http(sim, card, payload)
    else:
        response, error = await _via_stream(sim, hub, payload)
    if error is None:
        error = apply_answer(sim, card, userid, response)
    sim.store.callbacks.append(
        {
            "time": now_ms(),
            "out_track_id": card.out_track_id,
            "userid": userid,
            "payload": payload,
            "response": response,
            "error": error,
        }
    )
    return {
        "delivered": error is None,
        "response": response,
        "card": card.as_dict(),
        "error": error,
    }
