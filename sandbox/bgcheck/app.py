"""The vendor simulator: candidates, reports with items, signed webhooks, and a control API.

Vendor API (bearer token): `POST /v1/candidates`, `POST /v1/reports`, `GET /v1/reports/{id}`,
`POST /v1/reports/{id}/cancel`. A report starts `pending` with every item `pending`; it completes
when told (`POST /_vendor/checks/{id}/complete`) or after `auto_complete_seconds`, with the
outcome scripted for its candidate (`POST /_vendor/outcomes`, keyed by the candidate's
`custom_id`), else every item `clear`. Each change is sent to the webhook URL signed
(`X-Bgcheck-Timestamp`, `X-Bgcheck-Signature: v1=<hex HMAC-SHA256 of "timestamp.body">`) and kept
in `GET /_vendor/webhooks` (so a test can replay one). `GET /_vendor/checks` lists the checks with
the ID number masked. State is in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

log = logging.getLogger("sandbox.bgcheck")
STATE_KEY: web.AppKey[VendorState] = web.AppKey("state")
PACKAGE_ITEMS = {
    "standard": (
        ("identity", "身份核验"),
        ("education", "学历核验"),
        ("employment", "工作经历核验"),
        ("court_records", "法院记录"),
    )
}
ITEM_RESULTS = ("clear", "consider")


@dataclass
class VendorState:
    api_token: str
    webhook_secret: str
    webhook_url: str | None = None
    auto_complete_seconds: float | None = None
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, dict[str, str]] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _mask(id_number: str) -> str:
    return id_number[:4] + "*" * max(len(id_number) - 8, 0) + id_number[-4:]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def _authorized(request: web.Request) -> bool:
    state = request.app[STATE_KEY]
    return request.headers.get("Authorization", "") == f"Bearer {state.api_token}"


async def _json(request: web.Request) -> dict[str, Any] | None:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


async def create_candidate(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if not _authorized(request):
        return _error(401, "unauthorized", "bearer token required")
    body = await _json(request)
    id_number = str((body or {}).get("id_number") or "")
    if body is None or not body.get("name") or not (15 <= len(id_number) <= 18):
        return _error(400, "invalid_candidate", "name and id_number (15-18 chars) are required")
    cid = f"cand_{next(state.ids):06d}"
    state.candidates[cid] = {
        "id": cid,
        "name": str(body["name"]),
        "custom_id": str(body.get("custom_id") or ""),
        "id_number": id_number,
        "previous_employers": list(body.get("previous_employers") or []),
    }
    return web.json_response({"id": cid, "custom_id": state.candidates[cid]["custom_id"]})


def _report_view(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("_")}


async def create_report(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if not _authorized(request):
        return _error(401, "unauthorized", "bearer token required")
    body = await _json(request) or {}
    candidate = state.candidates.get(str(body.get("candidate_id")))
    package = str(body.get("package") or "standard")
    if candidate is None or package not in PACKAGE_ITEMS:
        return _error(400, "invalid_report", "a known candidate_id and package are required")
    rid = f"rpt_{next(state.ids):06d}"
    items = [{"key": k, "label": lbl, "result": "pending"} for k, lbl in PACKAGE_ITEMS[package]]
    state.reports[rid] = {
        "id": rid,
        "candidate_id": candidate["id"],
        "package": package,
        "status": "pending",
        "result": None,
        "items": items,
    }
    # After the answer, as a vendor's queue would: the caller records the report id first.
    loop = asyncio.get_running_loop()
    loop.call_later(1.0, lambda: asyncio.ensure_future(_notify(state, "report.created", rid)))
    if state.auto_complete_seconds is not None:
        asyncio.get_running_loop().call_later(
            state.auto_complete_seconds,
            lambda: asyncio.ensure_future(_complete(state, rid)),
        )
    return web.json_response(_report_view(state.reports[rid]))


async def get_report(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if not _authorized(request):
        return _error(401, "unauthorized", "bearer token required")
    report = state.reports.get(request.match_info["report_id"])
    if report is None:
        return _error(404, "not_found", "no such report")
    return web.json_response(_report_view(report))


async def cancel_report(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    if not _authorized(request):
        return _error(401, "unauthorized", "bearer token required")
    report = state.reports.get(request.match_info["report_id"])
    if report is None:
        return _error(404, "not_found", "no such report")
    if report["status"] == "pending":
        report["status"] = "canceled"
        await _notify(state, "report.canceled", report["id"])
    return web.json_response(_report_view(report))


async def _complete(state: VendorState, report_id: str) -> dict[str, Any] | None:
    report = state.reports.get(report_id)
    if report is None or report["status"] != "pending":
        return report
    custom_id = state.candidates[report["candidate_id"]]["custom_id"]
    scripted = state.outcomes.get(custom_id, {})
    for item in report["items"]:
        item["result"] = scripted.get(item["key"], "clear")
    consider = any(i["result"] == "consider" for i in report["items"])
    report["status"], report["result"] = "complete", "consider" if consider else "clear"
    await _notify(state, "report.completed", report_id)
    return report


async def _notify(state: VendorState, kind: str, report_id: str) -> None:
    event = {"id": f"evt_{next(state.ids):06d}", "type": kind, "data": {"report_id": report_id}}
    body = json.dumps(event, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Bgcheck-Timestamp": timestamp,
        "X-Bgcheck-Signature": sign(state.webhook_secret, timestamp, body),
    }
    record: dict[str, Any] = {"event": event, "headers": headers, "body": body.decode()}
    state.webhooks.append(record)
    if not state.webhook_url:
        return
    try:
        async with (
            ClientSession(timeout=ClientTimeout(total=5)) as http,
            http.post(state.webhook_url, data=body, headers=headers) as resp,
        ):
            record["status"] = resp.status
    except (OSError, TimeoutError) as exc:
        record["status"] = f"failed {type(exc).__name__}"
        log.warning("webhook %s not delivered: %s", event["id"], type(exc).__name__)


# --- the control API (/_vendor/) -------------------------------------------------------------


async def set_outcome(request: web.Request) -> web.Response:
    """`{"custom_id": "cand-01", "items": {"employment": "consider"}}`: that candidate's script."""
    state = request.app[STATE_KEY]
    body = await _json(request) or {}
    items = body.get("items")
    if not body.get("custom_id") or not isinstance(items, dict):
        return _error(400, "invalid_outcome", "custom_id and items {key: clear|consider}")
    if any(v not in ITEM_RESULTS for v in items.values()):
        return _error(400, "invalid_outcome", "an item's result is clear or consider")
    state.outcomes[str(body["custom_id"])] = {str(k): str(v) for k, v in items.items()}
    return web.json_response({"custom_id": body["custom_id"], "items": items})


async def complete_check(request: web.Request) -> web.Response:
    report = await _complete(request.app[STATE_KEY], request.match_info["report_id"])
    if report is None:
        return _error(404, "not_found", "no such report")
    return web.json_response(_report_view(report))


async def list_checks(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    checks = []
    for report in state.reports.values():
        candidate = state.candidates[report["candidate_id"]]
        checks.append(
            {
                **_report_view(report),
                "custom_id": candidate["custom_id"],
                "name": candidate["name"],
                "id_number_masked": _mask(candidate["id_number"]),
                "previous_employers": candidate["previous_employers"],
            }
        )
    return web.json_response({"checks": checks})


async def list_webhooks(request: web.Request) -> web.Response:
    return web.json_response({"webhooks": request.app[STATE_KEY].webhooks})


def create_app(state: VendorState) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[STATE_KEY] = state
    app.router.add_post("/v1/candidates", create_candidate)
    app.router.add_post("/v1/reports", create_report)
    app.router.add_get("/v1/reports/{report_id}", get_report)
    app.router.add_post("/v1/reports/{report_id}/cancel", cancel_report)
    app.router.add_post("/_vendor/outcomes", set_outcome)
    app.router.add_post("/_vendor/checks/{report_id}/complete", complete_check)
    app.router.add_get("/_vendor/checks", list_checks)
    app.router.add_get("/_vendor/webhooks", list_webhooks)
    return app
