"""The Stream gateway: `connections/open`, the `/connect` websocket, frames, ACKs and pings."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from sandbox.dingtalk.errors import NewApiError, json_response, read_json
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import Sim, new_id, now_ms
from sandbox.dingtalk.tokens import check_credentials

log = logging.getLogger("sandbox.dingtalk.stream")
MAX_FRAME = 1024 * 1024  # the websockets client closes the socket above 1 MiB


@dataclass
class Connection:
    id: str
    app_key: str
    subscriptions: set[tuple[str, str]]
    ws: web.WebSocketResponse
    opened: int = field(default_factory=now_ms)
    ua: str = ""

    def subscribed(self, frame_type: str, topic: str) -> bool:
        if frame_type == "SYSTEM":
            return True
        if frame_type == "EVENT":
            return ("EVENT", "*") in self.subscriptions
        return (frame_type, topic) in self.subscriptions

    def as_dict(self) -> dict[str, Any]:
        subs = [{"type": t, "topic": p} for t, p in sorted(self.subscriptions)]
        return {
            "id": self.id,
            "app_key": self.app_key,
            "subscriptions": subs,
            "opened": self.opened,
            "ua": self.ua,
        }


class StreamHub:
    """Live connections (they survive `/_sim/reset`) and the ACK waiters."""

    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.connections: dict[str, Connection] = {}
        self.waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def pick(self, app_key: str, frame_type: str, topic: str) -> Connection | None:
        """One random subscribed connection, as DingTalk spreads messages across connections."""
        live = [
            c
            for c in self.connections.values()
            if c.app_key == app_key and c.subscribed(frame_type, topic) and not c.ws.closed
        ]
        return random.choice(live) if live else None

    async def push(
        self,
        conn: Connection,
        frame_type: str,
        topic: str,
        data: Any,
        extra_headers: dict[str, str] | None = None,
    ) -> str:
        """Send one frame (string headers, ms `time`, JSON-in-JSON `data`); return its messageId."""
        message_id = f"{new_id()[:8]}_{random.randint(100, 999)}_{new_id()[:11]}"
        headers = {
            "appId": self.sim.org.app_key,
            "connectionId": conn.id,
            "contentType": "application/json",
            "messageId": message_id,
            "time": str(now_ms()),
            "topic": topic,
            **(extra_headers or {}),
        }
        frame = {
            "specVersion": "1.0",
            "type": frame_type,
            "headers": headers,
            "data": json.dumps(data, ensure_ascii=False) if data is not None else "",
        }
        text = json.dumps(frame, ensure_ascii=False)
        if len(text.encode()) >= MAX_FRAME:
            raise NewApiError(400, "FrameTooLarge", "stream frame exceeds 1 MiB")
        self.sim.store.frames.append(
            {
                "message_id": message_id,
                "type": frame_type,
                "topic": topic,
                "connection_id": conn.id,
                "time": now_ms(),
                "frame": frame,
            }
        )
        await conn.ws.send_str(text)
        return message_id

    def expect_ack(self, message_id: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiters[message_id] = future
        return future

    def on_text(self, conn: Connection, text: str) -> None:
        """Record an upstream ACK frame and wake whoever waits for it."""
        try:
            ack = json.loads(text)
            message_id = str(ack["headers"]["messageId"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring non-ACK client frame on %s: %.200s", conn.id, text)
            return
        meta: dict[str, Any] = next(
            (f for f in reversed(self.sim.store.frames) if f["message_id"] == message_id), {}
        )
        entry = {
            "time": now_ms(),
            "connection_id": conn.id,
            "message_id": message_id,
            "type": meta.get("type"),
            "topic": meta.get("topic"),
            "code": ack.get("code"),
            "message": ack.get("message"),
            "data": ack.get("data"),
        }
        self.sim.store.acks.append(entry)
        waiter = self.waiters.pop(message_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(entry)

    async def ping_loop(self, conn: Connection) -> None:
        while not conn.ws.closed:
            await asyncio.sleep(max(self.sim.config.ping_interval, 0.05))
            if conn.ws.closed:
                return
            opaque = new_id()[:16]
            await self.push(conn, "SYSTEM", "ping", {"opaque": opaque})

    async def disconnect(self, app_key: str | None = None, drop: bool = False) -> list[str]:
        """Ask connections to go (SYSTEM/disconnect) and close them after the grace period."""
        targets = [
            c
            for c in self.connections.values()
            if (app_key is None or c.app_key == app_key) and not c.ws.closed
        ]
        for conn in targets:
            if drop:
                await conn.ws.close(code=1011, message=b"sandbox dropped the connection")
                continue
            await self.push(conn, "SYSTEM", "disconnect", {"reason": "connection is expired"})
            self.spawn(self._close_later(conn))
        return [c.id for c in targets]

    async def _close_later(self, conn: Connection) -> None:
        await asyncio.sleep(self.sim.config.disconnect_grace)
        if not conn.ws.closed:
            await conn.ws.close(code=1000, message=b"disconnect grace elapsed")

    async def close_all(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        for conn in list(self.connections.values()):
            await conn.ws.close(code=1001, message=b"sandbox shutting down")


HUB_KEY = web.AppKey("hub", StreamHub)


async def open_connection(request: web.Request) -> web.Response:
    """POST /v1.0/gateway/connections/open: check credentials, hand out a one-shot ticket."""
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    if not check_credentials(sim, body.get("clientId"), body.get("clientSecret")):
        raise NewApiError(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    subs = set()
    for sub in body.get("subscriptions") or []:
        if isinstance(sub, dict) and sub.get("type") and sub.get("topic"):
            subs.add((str(sub["type"]), str(sub["topic"])))
    ticket = new_id()
    sim.store.tickets[ticket] = {
        "app": body["clientId"],
        "subscriptions": subs,
        "used": False,
        "expires": time.time() + sim.config.ticket_ttl,
        "ua": str(body.get("ua", "")),
    }
    endpoint = f"ws://{request.host}/connect"
    return json_response({"endpoint": endpoint, "ticket": ticket})


def _take_ticket(sim: Sim, ticket: str) -> dict[str, Any] | None:
    entry = sim.store.tickets.get(ticket)
    if entry is None or entry["used"] or entry["expires"] <= time.time():
        return None
    entry["used"] = True
    return entry


async def connect(request: web.Request) -> web.StreamResponse:
    """GET /connect?ticket=: the Stream websocket."""
    sim, hub = request.app[SIM_KEY], request.app[HUB_KEY]
    entry = _take_ticket(sim, request.query.get("ticket", ""))
    if entry is None:
        raise NewApiError(
            sim.config.ticket_reject_status, "InvalidTicket", "ticket 不存在、已使用或已过期"
        )
    ws = web.WebSocketResponse(autoping=True, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    conn = Connection(new_id("c-")[:18], entry["app"], entry["subscriptions"], ws, ua=entry["ua"])
    hub.connections[conn.id] = conn
    pinger = hub.spawn(hub.ping_loop(conn))
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                hub.on_text(conn, msg.data)
    finally:
        pinger.cancel()
        hub.connections.pop(conn.id, None)
    return ws
