"""DingTalk 智能人事 (hrm_1.0): the pre-entry record, AddHrmPreentry; `GET /_sim/preentries`.

Path, body fields (`name`, `mobile`, `preEntryTime` in epoch ms, `agentId`, `groups`,
`needSendPreEntryMsg`) and the answer (`tmpUserId`) follow the SDK's
`alibabacloud_dingtalk.hrm_1_0` models. DingTalk's own checks are assumed, not documented by the
SDK: name, mobile and preEntryTime required; a mobile already pre-entered is refused (400
`preentry.exist`, the sandbox's code). The control view masks the mobile.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, json_response, read_json

HRM_KEY: web.AppKey[dict[str, Any]] = web.AppKey("hrm", dict)


def _bad(code: str, message: str) -> NewApiError:
    return NewApiError(400, code, message)


async def add_preentry(request: web.Request) -> web.Response:
    """POST /v1.0/hrm/preentries: the candidate is 待入职 from preEntryTime."""
    body = await read_json(request)
    name, mobile, when = body.get("name"), body.get("mobile"), body.get("preEntryTime")
    if not isinstance(name, str) or not name.strip():
        raise _bad("InvalidParameter", "name is mandatory for this action.")
    if not isinstance(mobile, str) or not mobile.strip():
        raise _bad("InvalidParameter", "mobile is mandatory for this action.")
    if not isinstance(when, int) or isinstance(when, bool) or when <= 0:
        raise _bad("InvalidParameter", "preEntryTime is mandatory for this action.")
    state = request.app[HRM_KEY]
    if any(p["mobile"] == mobile for p in state["preentries"]):
        raise _bad("preentry.exist", "this mobile is already a pre-entry employee")
    tmp_user_id = f"tmp_{next(state['ids']):06d}"
    state["preentries"].append(
        {
            "tmpUserId": tmp_user_id,
            "name": name,
            "mobile": mobile,
            "preEntryTime": when,
            "agentId": body.get("agentId"),
            "needSendPreEntryMsg": body.get("needSendPreEntryMsg"),
        }
    )
    return json_response({"tmpUserId": tmp_user_id})


async def sim_preentries(request: web.Request) -> web.Response:
    """GET /_sim/preentries: the pre-entry records, the mobile masked."""
    items = [
        {**p, "mobile": p["mobile"][:3] + "****" + p["mobile"][-4:]}
        for p in request.app[HRM_KEY]["preentries"]
    ]
    return json_response({"preentries": items})


def add_routes(app: web.Application) -> None:
    app[HRM_KEY] = {"preentries": [], "ids": itertools.count(1)}
    app.router.add_post("/v1.0/hrm/preentries", add_preentry)
    app.router.add_get("/_sim/preentries", sim_preentries)
