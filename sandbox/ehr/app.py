"""The demo EHR: change feed, write-back API (idempotency keys, 409s) and a webhook pusher.

State is in memory. Every change (a seeded event or the result of a write-back) is appended to
the feed and, when a webhook URL is configured, pushed to the backend signed.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from sandbox.ehr import events as ev
from sandbox.ehr import hiring, offers, rounds

log = logging.getLogger("sandbox.ehr")
ADVANCE = {
    "screening": "ai_interview",
    "ai_interview": "interview",
    "interview": "offer",
    "offer": "hired",
}
FINAL_STAGES = {"hired", "rejected", "withdrawn"}
STATE_KEY: web.AppKey[EhrState] = web.AppKey("state")


@dataclass
class EhrState:
    api_token: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    feed: list[dict[str, Any]] = field(default_factory=list)
    entities: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)
    # Contract v1.1 offers (sandbox/ehr/offers.py) and every write-back that changed one.
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    offer_log: list[dict[str, Any]] = field(default_factory=list)
    # Contract v1.1 background checks and onboarding notices (sandbox/ehr/hiring.py).
    background_checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    onboardings: dict[str, dict[str, Any]] = field(default_factory=dict)
    hiring_log: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0
    batch_seq: int = 0  # candidates made by POST /_demo/batch so far

    def record(self, events: list[dict[str, Any]]) -> None:
        for e in events:
            self.feed.append(e)
            try:  # the feed may carry deliberately invalid events; track only valid entities
                kind, _, op = e["type"].partition(".")
                key, version = (kind, e["data"]["id"]), int(e["data"]["version"])
            except (KeyError, TypeError, ValueError, AttributeError):
                continue
            current = self.entities.get(key)
            if current is None or version > current["version"]:
                self.entities[key] = {**e["data"], "_deleted": op == "deleted"}

    def bump(self, kind: str, entity_id: str, **changes: Any) -> dict[str, Any]:
        data = {k: v for k, v in self.entities[(kind, entity_id)].items() if k != "_deleted"}
        data.update(changes, version=data["version"] + 1)
        self.seq += 1
        self.record(
            [
                ev.event(
                    kind,
                    data,
                    event_id=f"evt-wb-{self.seq}-{kind}-{entity_id}",
                    occurred_at=datetime.now(UTC),
                )
            ]
        )
        return data


async def push(state: EhrState, events: list[dict[str, Any]]) -> list[int]:
    """POST the events to the backend webhook in signed batches of at most 500."""
    if not state.webhook_url or not state.webhook_secret:
        return []
    statuses = []
    async with ClientSession(timeout=ClientTimeout(total=30)) as http:
        for start in range(0, len(events), 500):
            body = ev.batch_body(events[start : start + 500])
            try:
                async with http.post(
                    state.webhook_url, data=body, headers=ev.sign(body, state.webhook_secret)
                ) as resp:
                    statuses.append(resp.status)
                    state.pushes.append(
                        {"status": resp.status, "events": len(events[start : start + 500])}
                    )
            except OSError as exc:
                log.warning("webhook push failed: %s", exc)
                statuses.append(0)
    return statuses


def _json_error(status: int, code: str, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}, **extra}, status=status)


@web.middleware
async def auth(request: web.Request, handler: Any) -> web.StreamResponse:
    if not request.path.startswith("/_demo"):
        token = request.app[STATE_KEY].api_token
        if request.headers.get("Authorization") != f"Bearer {token}":
            return _json_error(401, "unauthorized", "bearer token missing or wrong")
    result: web.StreamResponse = await handler(request)
    return result


async def feed(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    after = request.query.get("after")
    try:
        start = int(after.removeprefix("c-")) if after else 0
        limit = max(1, min(int(request.query.get("limit", "100")), 5000))
    except ValueError:
        return _json_error(400, "bad_request", "after must be a cursor c-N, limit an integer")
    page = state.feed[start : start + limit]
    end = start + len(page)
    return web.json_response(
        {"events": page, "next_cursor": f"c-{end}", "has_more": end < len(state.feed)}
    )


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        body = None
    if not isinstance(body, dict) or not body.get("idempotency_key"):
        raise web.HTTPBadRequest(
            text=json.dumps(
                {
                    "error": {
                        "code": "bad_request",
                        "message": "JSON body with idempotency_key required",
                    }
                }
            ),
            content_type="application/json",
        )
    return body


def _idempotent(state: EhrState, key: str, answer: Any) -> tuple[int, dict[str, Any]]:
    if key not in state.answers:
        state.answers[key] = answer()
    return state.answers[key]


def _decide(state: EhrState, app_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    app = state.entities.get(("application", app_id))
    if app is None or app["_deleted"]:
        return 404, {"error": {"code": "not_found", "message": f"no application {app_id}"}}
    stage, decision = app["stage"], body.get("decision")
    if decision not in ("advance", "reject", "hold", "withdraw"):
        return 400, {"error": {"code": "bad_request", "message": "unknown decision"}}
    if stage in FINAL_STAGES or (decision == "advance" and stage not in ADVANCE):
        return 409, {
            "error": {"code": "conflict", "message": f"application is {stage}"},
            "current_stage": stage,
            "application": copy.deepcopy(app),
        }
    new_stage = {
        "advance": ADVANCE.get(stage),
        "reject": "rejected",
        "withdraw": "withdrawn",
        "hold": stage,
    }[decision]
    now = ev.iso(datetime.now(UTC))
    changes: dict[str, Any] = {"stage": new_stage}
    if new_stage != stage:
        changes["stage_changed_at"] = now
    data = state.bump("application", app_id, **changes)
    state.decisions.append({"application_id": app_id, **body, "new_version": data["version"]})
    return 200, {"application": data}


def _extend(state: EhrState, iv_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    iv = state.entities.get(("interview", iv_id))
    if iv is None or iv["_deleted"]:
        return 404, {"error": {"code": "not_found", "message": f"no interview {iv_id}"}}
    if iv["status"] in ("attended", "completed", "cancelled"):
        return 409, {
            "error": {"code": "conflict", "message": f"interview is {iv['status']}"},
            "current_status": iv["status"],
        }
    status = "invited" if iv["status"] == "no_show" else iv["status"]
    data = state.bump("interview", iv_id, deadline_at=body.get("deadline_at"), status=status)
    state.decisions.append({"interview_id": iv_id, **body, "new_version": data["version"]})
    return 200, {"interview": data}


def _review(
    state: EhrState, app_id: str, key: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    app = state.entities.get(("application", app_id))
    reqs = (app or {}).get("requirements") or []
    if app is None or not any(r["key"] == key for r in reqs):
        return 404, {"error": {"code": "not_found", "message": f"no requirement {key}"}}
    status = body.get("status")
    if status not in ("approved", "rejected"):
        return 400, {"error": {"code": "bad_request", "message": "status: approved|rejected"}}
    current = next(r for r in reqs if r["key"] == key)
    if current["status"] in ("approved", "rejected") and current["status"] != status:
        return 409, {
            "error": {"code": "conflict", "message": f"already {current['status']}"},
            "current_status": current["status"],
        }
    new_reqs = [{**r, "status": status} if r["key"] == key else r for r in reqs]
    data = state.bump("application", app_id, requirements=new_reqs)
    state.decisions.append(
        {"application_id": app_id, "requirement": key, **body, "new_version": data["version"]}
    )
    return 200, {"application": data}


async def _write_back(request: web.Request, action: Any, *ids: str) -> web.Response:
    state = request.app[STATE_KEY]
    body = await _body(request)
    before = len(state.feed)
    try:
        status, answer = _idempotent(
            state, str(body["idempotency_key"]), lambda: action(state, *ids, body)
        )
    except rounds.BadBody as exc:  # nothing was changed, so nothing is kept under the key
        return _json_error(400, "bad_request", str(exc))
    if len(state.feed) > before:  # reconcile: the backend also hears the EHR's own event
        asyncio.get_running_loop().create_task(push(state, state.feed[before:]))
    return web.json_response(answer, status=status)


async def decisions(request: web.Request) -> web.Response:
    return await _write_back(request, _decide, request.match_info["app_id"])


async def deadline(request: web.Request) -> web.Response:
    return await _write_back(request, _extend, request.match_info["iv_id"])


async def requirement(request: web.Request) -> web.Response:
    return await _write_back(
        request, _review, request.match_info["app_id"], request.match_info["key"]
    )


async def schedule_round(request: web.Request) -> web.Response:
    return await _write_back(request, rounds.schedule_round, request.match_info["app_id"])


async def reschedule(request: web.Request) -> web.Response:
    return await _write_back(request, rounds.reschedule, request.match_info["iv_id"])


async def cancel(request: web.Request) -> web.Response:
    return await _write_back(request, rounds.cancel, request.match_info["iv_id"])


async def feedback(request: web.Request) -> web.Response:
    return await _write_back(request, rounds.feedback, request.match_info["iv_id"])


async def create_offer(request: web.Request) -> web.Response:
    return await _write_back(request, offers.create_offer, request.match_info["app_id"])


async def offer_status(request: web.Request) -> web.Response:
    return await _write_back(request, offers.offer_status, request.match_info["offer_id"])


async def background_check(request: web.Request) -> web.Response:
    return await _write_back(request, hiring.background_check, request.match_info["app_id"])


async def onboarding(request: web.Request) -> web.Response:
    return await _write_back(request, hiring.onboarding, request.match_info["app_id"])


async def demo_hiring(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    checks = list(state.background_checks.values())
    body = {"background_checks": checks, "onboardings": list(state.onboardings.values())}
    return web.json_response({**body, "log": state.hiring_log})


async def demo_offers(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response({"offers": list(state.offers.values()), "log": state.offer_log})


async def demo_scenario(request: web.Request) -> web.Response:
    from sandbox.ehr.scenario import load_org, scenario_events

    state = request.app[STATE_KEY]
    events = scenario_events(load_org(request.app["org_path"]))
    state.record(events)
    statuses = await push(state, events)
    return web.json_response({"events": len(events), "pushed": statuses})


async def demo_history(request: web.Request) -> web.Response:
    from sandbox.ehr.history import history_events

    state = request.app[STATE_KEY]
    events = history_events()
    state.record(events)
    statuses = await push(state, events)
    return web.json_response({"events": len(events), "pushed": statuses})


async def demo_events(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    body = await request.json()
    events = list(body.get("events", []))
    state.record(events)
    statuses = await push(state, events) if body.get("push", True) else []
    return web.json_response({"events": len(events), "pushed": statuses})


async def demo_batch(request: web.Request) -> web.Response:
    """A batch of AI-interview results for one position, pushed like any change."""
    from sandbox.ehr.batch import batch_events

    state = request.app[STATE_KEY]
    body = await request.json() if request.can_read_body else {}
    position_id = str(body.get("position_id") or "pos-store-night")
    count = max(1, min(int(body.get("count") or 20), 500))
    start = state.batch_seq + 1
    state.batch_seq += count
    events = batch_events(position_id, count, start=start)
    state.record(events)
    statuses = await push(state, events)
    return web.json_response({"candidates": count, "events": len(events), "pushed": statuses})


async def demo_decisions(request: web.Request) -> web.Response:
    return web.json_response({"decisions": request.app[STATE_KEY].decisions})


async def demo_state(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    return web.json_response(
        {"feed_length": len(state.feed), "pushes": state.pushes, "entities": len(state.entities)}
    )


def create_app(state: EhrState, org_path: str) -> web.Application:
    app = web.Application(middlewares=[auth], client_max_size=64 * 1024 * 1024)
    app[STATE_KEY] = state
    app["org_path"] = org_path
    app.router.add_get("/events", feed)
    app.router.add_post("/applications/{app_id}/decisions", decisions)
    app.router.add_post("/interviews/{iv_id}/deadline", deadline)
    app.router.add_post("/applications/{app_id}/requirements/{key}", requirement)
    # Contract v1.1: the rounds after the AI interview (sandbox/ehr/rounds.py).
    app.router.add_post("/applications/{app_id}/interviews", schedule_round)
    app.router.add_post("/interviews/{iv_id}/reschedule", reschedule)
    app.router.add_post("/interviews/{iv_id}/cancel", cancel)
    app.router.add_post("/interviews/{iv_id}/feedback", feedback)
    # Contract v1.1: the offer (sandbox/ehr/offers.py).
    app.router.add_post("/applications/{app_id}/offers", create_offer)
    app.router.add_post("/offers/{offer_id}/status", offer_status)
    app.router.add_get("/_demo/offers", demo_offers)
    # Contract v1.1: the background check and the onboarding notice (sandbox/ehr/hiring.py).
    app.router.add_post("/applications/{app_id}/background-checks", background_check)
    app.router.add_post("/applications/{app_id}/onboarding", onboarding)
    app.router.add_get("/_demo/hiring", demo_hiring)
    app.router.add_post("/_demo/scenario", demo_scenario)
    app.router.add_post("/_demo/history", demo_history)
    app.router.add_post("/_demo/events", demo_events)
    app.router.add_post("/_demo/batch", demo_batch)
    app.router.add_get("/_demo/decisions", demo_decisions)
    app.router.add_get("/_demo/state", demo_state)
    return app
