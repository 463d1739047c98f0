"""Token endpoints (new and old), free-login auth codes and user details."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, OapiError, json_response, oapi_ok, read_json
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.seed import User
from sandbox.dingtalk.state import Sim, new_id
from sandbox.dingtalk.tokens import check_credentials, issue_token


async def new_access_token(request: web.Request) -> web.Response:
    """POST /v1.0/oauth2/accessToken."""
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    if not check_credentials(sim, body.get("appKey"), body.get("appSecret")):
        raise NewApiError(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    token, ttl = issue_token(sim, str(body["appKey"]))
    return json_response({"accessToken": token, "expireIn": ttl})


async def old_get_token(request: web.Request) -> web.Response:
    """GET /gettoken?appkey=&appsecret= (query only, as the real endpoint)."""
    sim = request.app[SIM_KEY]
    app_key, secret = request.query.get("appkey"), request.query.get("appsecret")
    if not app_key or not secret:
        raise OapiError(40035, "缺少参数 appkey")
    if not check_credentials(sim, app_key, secret):
        raise OapiError(40096, "不合法的appKey或appSecret")
    token, ttl = issue_token(sim, app_key)
    return oapi_ok(access_token=token, expires_in=ttl)


def issue_auth_code(sim: Sim, userid: str) -> str:
    """What dd.requestAuthCode / dd.getAuthCode returns inside DingTalk: single use, 5 min."""
    code = new_id()
    sim.store.auth_codes[code] = {
        "userid": userid,
        "expires": time.time() + sim.config.auth_code_ttl,
    }
    return code


def _consume_code(sim: Sim, code: str) -> User:
    entry = sim.store.auth_codes.pop(code, None)
    if entry is None or entry["expires"] <= time.time():
        raise OapiError(40078, "不存在的临时授权码")
    return sim.org.users[entry["userid"]]


def _sys_level(user: User) -> int:
    return 1 if user.admin else 0


async def get_user_info_v2(request: web.Request) -> web.Response:
    """POST /topapi/v2/user/getuserinfo {code}."""
    sim = request.app[SIM_KEY]
    body = await _oapi_body(request)
    if not body.get("code"):
        raise OapiError(40035, "缺少参数 code")
    user = _consume_code(sim, str(body["code"]))
    return oapi_ok(
        result={
            "userid": user.userid,
            "unionid": user.unionid,
            "associated_unionid": "",
            "device_id": new_id()[:16],
            "sys": user.admin,
            "sys_level": _sys_level(user),
            "name": user.name,
        }
    )


async def get_user_info_legacy(request: web.Request) -> web.Response:
    """GET /user/getuserinfo?code= (the flat, not-recommended form)."""
    sim = request.app[SIM_KEY]
    code = request.query.get("code", "")
    if not code:
        raise OapiError(40035, "缺少参数 code")
    user = _consume_code(sim, code)
    return oapi_ok(
        userid=user.userid,
        name=user.name,
        deviceId=new_id()[:16],
        is_sys=user.admin,
        sys_level=_sys_level(user),
    )


def user_detail(user: User) -> dict[str, Any]:
    return {
        "userid": user.userid,
        "unionid": user.unionid,
        "name": user.name,
        "avatar": "",
        "mobile": user.mobile,
        "state_code": "86",
        "email": "",
        "title": user.title,
        "job_number": "",
        "dept_id_list": list(user.dept_id_list),
        "dept_order_list": [{"dept_id": d, "order": 1} for d in user.dept_id_list],
        "leader_in_dept": [{"dept_id": d, "leader": False} for d in user.dept_id_list],
        "active": True,
        "admin": user.admin,
        "boss": False,
        "real_authed": True,
        "hide_mobile": False,
        "senior": False,
        "exclusive_account": False,
    }


async def get_user(request: web.Request) -> web.Response:
    """POST /topapi/v2/user/get {userid, language?}."""
    sim = request.app[SIM_KEY]
    body = await _oapi_body(request)
    if not body.get("userid"):
        raise OapiError(40035, "缺少参数 userid")
    user = sim.org.users.get(str(body["userid"]))
    if user is None:
        raise OapiError(60121, "找不到该用户")
    return oapi_ok(result=user_detail(user))


async def get_user_by_mobile(request: web.Request) -> web.Response:
    """POST /topapi/v2/user/getbymobile {mobile}."""
    sim = request.app[SIM_KEY]
    body = await _oapi_body(request)
    mobile = str(body.get("mobile") or "")
    if not mobile:
        raise OapiError(40035, "缺少参数 mobile")
    user = next((u for u in sim.org.users.values() if u.mobile == mobile), None)
    if user is None:
        raise OapiError(60121, "找不到该用户")
    return oapi_ok(result={"userid": user.userid})


async def _oapi_body(request: web.Request) -> dict[str, Any]:
    """oapi accepts JSON or form bodies."""
    if request.content_type == "application/x-www-form-urlencoded":
        return {k: str(v) for k, v in (await request.post()).items()}
    return await read_json(request)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1.0/oauth2/accessToken", new_access_token)
    app.router.add_get("/gettoken", old_get_token)
    app.router.add_post("/topapi/v2/user/getuserinfo", get_user_info_v2)
    app.router.add_get("/user/getuserinfo", get_user_info_legacy)
    app.router.add_post("/topapi/v2/user/get", get_user)
    app.router.add_post("/topapi/v2/user/getbymobile", get_user_by_mobile)
