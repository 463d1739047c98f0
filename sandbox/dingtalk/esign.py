"""DingTalk e-signature (esign_2.0): upload a file, start a flow, the signer's URL, its status;
`/_sim/esign`.

Paths, parameters and field names follow the SDK's `alibabacloud_dingtalk.esign_2_0` models
(GetFileUploadUrl, CreateProcess, GetExecuteUrl, GetSignDetail). The upload URL is the
sandbox's own (`PUT /_sim/esign/uploads/{fileId}`, Content-MD5 checked, as e签宝's storage
does). `flowStatus` numbers (1 signing, 2 completed, 3 revoked, 7 refused) and the signer's
`signStatus` (0 waiting, 2 signed, 4 refused) are e签宝's documented values, assumed
(docs/offers.md). The signer's page (`/_sim/esign/{taskId}/page`) shows the document with Sign
and Refuse; `POST /_sim/esign/{taskId}/complete` and `/refuse` do the same for tests.
"""

from __future__ import annotations

import base64
import hashlib
import html
import uuid
from typing import Any

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, json_response, read_json
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import now_ms

SIGNING, COMPLETED, REVOKED, REFUSED = 1, 2, 3, 7
SIGNED, SIGN_REFUSED, WAITING = 2, 4, 0


def _bad(message: str) -> NewApiError:
    return NewApiError(400, "InvalidParameter", message)


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def _store(request: web.Request) -> dict[str, dict[str, Any]]:
    return request.app[SIM_KEY].store.esign


async def upload_url(request: web.Request) -> web.Response:
    """POST /v2.0/esign/files/uploadUrls: {fileId, uploadUrl}."""
    body = await read_json(request)
    for name in ("contentMd5", "contentType", "fileName"):
        if not isinstance(body.get(name), str) or not body[name]:
            raise _bad(f"{name} is mandatory for this action.")
    if not isinstance(body.get("fileSize"), int) or body["fileSize"] <= 0:
        raise _bad("fileSize is mandatory for this action.")
    file_id = uuid.uuid4().hex
    _store(request)["files"][file_id] = {"fileId": file_id, **body, "content": None}
    return json_response(
        {"fileId": file_id, "uploadUrl": f"{_base(request)}/_sim/esign/uploads/{file_id}"}
    )


async def upload(request: web.Request) -> web.Response:
    """PUT /_sim/esign/uploads/{fileId}: the file's bytes, checked against its Content-MD5."""
    record = _store(request)["files"].get(request.match_info["file_id"])
    if record is None:
        raise NewApiError(404, "FileNotFound", "unknown upload URL")
    data = await request.read()
    md5 = base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324
    if md5 != request.headers.get("Content-MD5") or md5 != record["contentMd5"]:
        raise NewApiError(400, "ContentMd5Mismatch", "Content-MD5 does not match the file")
    record["content"] = data.decode("utf-8", errors="replace")
    return web.Response(status=200)


def _participants(sim: Any, body: dict[str, Any]) -> list[dict[str, Any]]:
    found = body.get("participants")
    if not isinstance(found, list) or not found:
        raise _bad("participants is mandatory for this action.")
    signers = []
    for p in found:
        if not isinstance(p, dict) or not p.get("account"):
            raise _bad("participants[].account is mandatory.")
        signers.append({**p, "signStatus": WAITING})
    return signers


async def create_process(request: web.Request) -> web.Response:
    """POST /v2.0/esign/process/startAtOnce: {taskId}."""
    sim, store = request.app[SIM_KEY], _store(request)
    body = await read_json(request)
    if body.get("initiatorUserId") not in sim.org.users:
        raise _bad("initiatorUserId is not a user of the organisation.")
    files = body.get("files")
    if not isinstance(files, list) or not files:
        raise _bad("files is mandatory for this action.")
    docs = []
    for f in files:
        record = store["files"].get(str(f.get("fileId")) if isinstance(f, dict) else "")
        if record is None or record["content"] is None:
            raise _bad("files[].fileId is not an uploaded file.")
        docs.append(
            {
                "fileId": record["fileId"],
                "fileName": record["fileName"],
                "content": record["content"],
            }
        )
    task_id = uuid.uuid4().hex
    store["flows"][task_id] = {
        "taskId": task_id,
        "taskName": str(body.get("taskName") or ""),
        "initiatorUserId": body["initiatorUserId"],
        "flowStatus": SIGNING,
        "files": docs,
        "signers": _participants(sim, body),
        "signEndTime": body.get("signEndTime"),
        "redirectUrl": body.get("redirectUrl"),
        "created": now_ms(),
    }
    return json_response({"taskId": task_id})


def _flow(request: web.Request, task_id: str) -> dict[str, Any]:
    flow: dict[str, Any] | None = _store(request)["flows"].get(task_id)
    if flow is None:
        raise NewApiError(404, "TaskNotFound", "signing task not found")
    return flow


async def execute_url(request: web.Request) -> web.Response:
    """POST /v2.0/esign/process/executeUrls: the signer's page."""
    body = await read_json(request)
    flow = _flow(request, str(body.get("taskId") or ""))
    if body.get("account") not in [s["account"] for s in flow["signers"]]:
        raise _bad("account is not a signer of this task.")
    url = f"{_base(request)}/_sim/esign/{flow['taskId']}/page"
    return json_response({"longUrl": url, "shortUrl": url, "pcUrl": url, "mobileUrl": url})


async def sign_detail(request: web.Request) -> web.Response:
    """GET /v2.0/esign/signTasks/{taskId}: {businessScene, flowStatus, signers}."""
    flow = _flow(request, request.match_info["task_id"])
    signers = [
        {"signerName": s.get("accountName") or "", "signStatus": s["signStatus"]}
        for s in flow["signers"]
    ]
    return json_response(
        {"businessScene": flow["taskName"], "flowStatus": flow["flowStatus"], "signers": signers}
    )


def _end(flow: dict[str, Any], status: int) -> None:
    if flow["flowStatus"] != SIGNING:
        raise NewApiError(409, "TaskFinished", f"the flow's status is {flow['flowStatus']}")
    flow["flowStatus"], flow["ended"] = status, now_ms()
    for signer in flow["signers"]:
        signer["signStatus"] = SIGNED if status == COMPLETED else SIGN_REFUSED


async def sim_complete(request: web.Request) -> web.Response:
    """POST /_sim/esign/{taskId}/complete: the signer signs (a form post is sent back)."""
    return _ended(request, COMPLETED)


async def sim_refuse(request: web.Request) -> web.Response:
    """POST /_sim/esign/{taskId}/refuse: the signer refuses."""
    return _ended(request, REFUSED)


def _ended(request: web.Request, status: int) -> web.Response:
    flow = _flow(request, request.match_info["task_id"])
    _end(flow, status)
    if request.query.get("back") and flow.get("redirectUrl"):
        raise web.HTTPFound(str(flow["redirectUrl"]))
    return json_response(_public(flow))


def _public(flow: dict[str, Any]) -> dict[str, Any]:
    return {
        **flow,
        "signers": [{k: v for k, v in s.items() if k != "account"} for s in flow["signers"]],
    }


async def sim_page(request: web.Request) -> web.Response:
    """GET /_sim/esign/{taskId}/page: the signer's page (document, Sign, Refuse)."""
    flow = _flow(request, request.match_info["task_id"])
    docs = "".join(f"<pre>{html.escape(d['content'])}</pre>" for d in flow["files"])
    task = html.escape(flow["taskId"])
    form = (
        '<form method="post" action="/_sim/esign/{task}/{what}?back=1">'
        "<button>{label}</button></form>"
    )
    buttons = (
        form.format(task=task, what="complete", label="签署")
        + form.format(task=task, what="refuse", label="拒签")
        if flow["flowStatus"] == SIGNING
        else f"<p>flowStatus {flow['flowStatus']}</p>"
    )
    title = html.escape(flow["taskName"])
    page = (
        f"<!doctype html><meta charset=utf-8><title>电子签</title><h1>{title}</h1>{docs}{buttons}"
    )
    return web.Response(text=page, content_type="text/html")


async def sim_flows(request: web.Request) -> web.Response:
    """GET /_sim/esign: every flow (signers without their mobile)."""
    return json_response({"flows": [_public(f) for f in _store(request)["flows"].values()]})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/v2.0/esign/files/uploadUrls", upload_url)
    r.add_post("/v2.0/esign/process/startAtOnce", create_process)
    r.add_post("/v2.0/esign/process/executeUrls", execute_url)
    r.add_get("/v2.0/esign/signTasks/{task_id}", sign_detail)
    r.add_put("/_sim/esign/uploads/{file_id}", upload)
    r.add_get("/_sim/esign", sim_flows)
    r.add_get("/_sim/esign/{task_id}/page", sim_page)
    r.add_post("/_sim/esign/{task_id}/complete", sim_complete)
    r.add_post("/_sim/esign/{task_id}/refuse", sim_refuse)
