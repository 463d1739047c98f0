"""The `/_sim/` control API used by the demo, the tests and our own checks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.dingtalk import ats, chat, events
from sandbox.dingtalk.auth import issue_auth_code
from sandbox.dingtalk.callbacks import click
from sandbox.dingtalk.errors import NewApiError, json_response, read_json
from sandbox.dingtalk.middleware import FAULT_KINDS, SIM_KEY
from sandbox.dingtalk.state import Sim, now_ms
from sandbox.dingtalk.stream import HUB_KEY
from sandbox.dingtalk.tokens import expire_all


def _user(sim: Sim, body: dict[str, Any]) -> str:
    userid = str(body.get("userid") or "")
    if userid not in sim.org.users:
        raise NewApiError(404, "UserNotFound", f"unknown userid {userid!r}")
    return userid


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def auth_codes(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    return json_response({"auth_code": issue_auth_code(sim, _user(sim, await read_json(request)))})


async def bot_messages(request: web.Request) -> web.Response:
    sim, hub = request.app[SIM_KEY], request.app[HUB_KEY]
    body = await read_json(request)
    userid = _user(sim, body)
    text = body.get("text")
    if not isinstance(text, str) or not text:
        raise NewApiError(400, "InvalidParameter", "text is required")
    result = await chat.push_bot_message(sim, hub, userid, text, base_url(request))
    return json_response(result)


async def card_click(request: web.Request) -> web.Response:
    sim, hub = request.app[SIM_KEY], request.app[HUB_KEY]
    card = sim.store.cards.get(request.match_info["out_track_id"])
    if card is None:
        raise NewApiError(404, "CardNotFound", "no card with that outTrackId")
    body = await read_json(request)
    userid = _user(sim, body)
    action_ids, params = body.get("action_ids") or [], body.get("params") or {}
    if not isinstance(action_ids, list) or not isinstance(params, dict):
        raise NewApiError(400, "InvalidParameter", "action_ids must be a list, params an object")
    result = await click(
        sim, hub, card, userid, action_ids=[str(a) for a in action_ids], params=params
    )
    return json_response(result)


async def list_cards(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    userid = request.query.get("userid")
    cards = [
        c.as_dict()
        for c in sim.store.cards.values()
        if not userid or userid in c.recipients or userid in c.private
    ]
    return json_response({"cards": cards})


async def list_messages(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    userid = request.query.get("userid")
    found = [m for m in sim.store.messages if not userid or m["userid"] == userid]
    return json_response({"messages": found})


async def list_log(request: web.Request) -> web.Response:
    """GET /_sim/acks, /_sim/frames, /_sim/callbacks, /_sim/http-events."""
    store = request.app[SIM_KEY].store
    name = request.match_info["log"].replace("-", "_")
    return json_response({name: getattr(store, name)})


async def org(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    o = sim.org
    templates = {t["name"]: tid for tid, t in sim.templates.items()}
    return json_response(
        {
            "corp_id": o.corp_id,
            "name": o.name,
            "app_key": o.app_key,
            "app_secret": o.app_secret,
            "agent_id": o.agent_id,
            "robot_code": o.robot_code,
            "callback_token": o.callback_token,
            "callback_aes_key": o.callback_aes_key,
            "departments": [vars(d) for d in o.departments],
            "users": [u.as_dict() for u in o.users.values()],
            "card_templates": templates,
        }
    )


async def faults(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    if request.method == "POST":
        body = await read_json(request)
        path, kind = str(body.get("path") or ""), str(body.get("kind") or "")
        if not path.startswith("/") or kind not in FAULT_KINDS:
            raise NewApiError(400, "InvalidParameter", f"need a path and kind in {FAULT_KINDS}")
        fault = {"kind": kind, "remaining": int(body.get("count") or 1)}
        if body.get("delay") is not None:
            fault["delay"] = float(body["delay"])
        sim.store.faults.setdefault(path, []).append(fault)
    elif request.method == "DELETE":
        sim.store.faults.clear()
    return json_response({"faults": sim.store.faults})


async def stats(request: web.Request) -> web.Response:
    """Per-path counts of metered calls and of calls refused by the QPS limit."""
    store = request.app[SIM_KEY].store
    return json_response({"requests": dict(store.requests), "throttled": dict(store.throttled)})


async def tokens_expire(request: web.Request) -> web.Response:
    return json_response({"expired": expire_all(request.app[SIM_KEY])})


async def disconnect(request: web.Request) -> web.Response:
    body = await read_json(request)
    ids = await request.app[HUB_KEY].disconnect(body.get("app_key"), bool(body.get("drop")))
    return json_response({"connections": ids})


async def reset(request: web.Request) -> web.Response:
    request.app[SIM_KEY].reset()
    ats.reset_ats(request.app)
    return json_response({"reset": True})


async def config(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    if request.method == "POST":
        try:
            unknown = sim.config.apply(await read_json(request))
        except (TypeError, ValueError) as exc:
            raise NewApiError(400, "InvalidParameter", str(exc)) from None
        if unknown:
            raise NewApiError(400, "InvalidParameter", f"unknown config keys {unknown}")
    return json_response({"config": sim.config.as_dict()})


async def connections(request: web.Request) -> web.Response:
    hub = request.app[HUB_KEY]
    return json_response(
        {"connections": [c.as_dict() for c in hub.connections.values() if not c.ws.closed]}
    )


async def stream_events(request: web.Request) -> web.Response:
    sim, hub = request.app[SIM_KEY], request.app[HUB_KEY]
    if request.method == "GET":
        return json_response({"events": list(sim.store.events.values())})
    body = await read_json(request)
    data = body.get("data") or {}
    if not body.get("event_type") or not isinstance(data, dict):
        raise NewApiError(400, "InvalidParameter", "event_type and an object data are required")
    record = events.start_stream_event(
        sim, hub, str(body["event_type"]), data, body.get("event_id")
    )
    return json_response(record)


async def event_subscription(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    if not body.get("url"):
        raise NewApiError(400, "InvalidParameter", "url is required")
    keys = ("url", "token", "aes_key", "receive_id")
    settings = {k: str(body[k]) for k in keys if body.get(k)}
    return json_response(await events.register_subscription(sim, settings))


async def http_events(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    if not body.get("event_type"):
        raise NewApiError(400, "InvalidParameter", "event_type is required")
    if not (body.get("url") or sim.store.event_subscription.get("url")):
        raise NewApiError(400, "InvalidParameter", "no url and no event subscription")
    payload = {
        "EventType": body["event_type"],
        "CorpId": sim.org.corp_id,
        **(body.get("data") or {}),
    }
    result = await events.push_with_retries(
        sim, payload, url=body.get("url"), retries=int(body.get("retries", 2))
    )
    return json_response(result)


async def mark_read(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    userid = _user(sim, await read_json(request))
    return json_response({"read": _mark_read(sim, userid)})


def _mark_read(sim: Sim, userid: str) -> int:
    count = 0
    for message in sim.store.messages:
        if message["userid"] == userid and not message["read"]:
            message.update(read=True, read_time=now_ms())
            count += 1
    return count


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/_sim/auth-codes", auth_codes)
    r.add_post("/_sim/bot-messages", bot_messages)
    r.add_post("/_sim/cards/{out_track_id}/click", card_click)
    r.add_get("/_sim/cards", list_cards)
    r.add_get("/_sim/messages", list_messages)
    r.add_get("/_sim/{log:acks|frames|callbacks|http-events}", list_log)
    r.add_get("/_sim/org", org)
    r.add_route("*", "/_sim/faults", faults)
    r.add_get("/_sim/stats", stats)
    r.add_post("/_sim/tokens/expire", tokens_expire)
    r.add_post("/_sim/disconnect", disconnect)
    r.add_post("/_sim/reset", reset)
    r.add_route("*", "/_sim/config", config)
    r.add_get("/_sim/connections", connections)
    r.add_route("*", "/_sim/events", stream_events)
    r.add_post("/_sim/event-subscription", event_subscription)
    r.add_post("/_sim/http-events", http_events)
    r.add_post("/_sim/read", mark_read)
