"""Cross-cutting request handling: injected faults, auth, throttling and DingTalk-shaped errors."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.dingtalk import errors
from sandbox.dingtalk.errors import NewApiError, OapiError, is_new_api, is_sim
from sandbox.dingtalk.state import Sim
from sandbox.dingtalk.tokens import token_app

log = logging.getLogger("sandbox.dingtalk")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SIM_KEY = web.AppKey("sim", Sim)

NO_AUTH = {
    "/v1.0/oauth2/accessToken",
    "/v1.0/gateway/connections/open",
    "/gettoken",
    "/robot/sendBySession",
}
SCOPES = {
    "/v1.0/robot/oToMessages/batchSend": "qyapi_robot_sendmsg",
    "/v1.0/card/instances/createAndDeliver": "Card.Instance.Write",
    "/v1.0/card/instances": "Card.Instance.Write",
}
THROTTLE = {
    "app": (
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "调用接口超过应用QPS限制",
        90018,
        "当前应用调用该接口的并发量已经超过阈值",
    ),
    "global": (
        "Forbidden.AccessDenied.QpsLimitForApi",
        "调用接口超过系统QPS限制",
        90002,
        "服务器繁忙，当前接口调用量超过系统限流阈值",
    ),
    "quota": (
        "Forbidden.AccessDenied.ApiCountLimitForOrg",
        "调用接口超过组织月调用量限制",
        90020,
        "当前组织本月调用量已超过限额",
    ),
}


@web.middleware
async def dingtalk_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Apply faults, auth and throttling; render every failure in the path's own dialect."""
    path = request.path
    try:
        return await _dispatch(request, handler)
    except (NewApiError, OapiError) as exc:
        return exc.response()
    except web.HTTPException as exc:
        return _http_exception(path, exc)
    except (asyncio.CancelledError, ConnectionResetError):
        raise
    except Exception:
        log.exception("sandbox handler failed for %s", path)
        if is_new_api(path) or is_sim(path):
            return NewApiError(500, "unknownError", "系统错误").response()
        return OapiError(-1, "系统繁忙").response()


async def _dispatch(request: web.Request, handler: Handler) -> web.StreamResponse:
    if is_sim(request.path):
        return await handler(request)
    if isinstance(request.match_info.http_exception, web.HTTPException):
        raise request.match_info.http_exception
    sim = request.app[SIM_KEY]
    early = await _apply_fault(sim, request)
    if early is not None:
        return early
    app_key = await _authenticate(sim, request)
    _throttle(sim, request.path, app_key)
    return await handler(request)


def _http_exception(path: str, exc: web.HTTPException) -> web.StreamResponse:
    if exc.status < 400:
        raise exc
    if is_new_api(path) or is_sim(path):
        code = "InvalidAction.NotFound" if exc.status in (404, 405) else "InvalidParameter"
        return NewApiError(exc.status, code, f"Specified api is not found: {path}").response()
    return OapiError(22, "无效的API名称").response()


async def _authenticate(sim: Sim, request: web.Request) -> str:
    path = request.path
    if path in NO_AUTH:
        return "anonymous"
    if is_new_api(path):
        token = request.headers.get("x-acs-dingtalk-access-token", "")
    else:
        token = request.query.get("access_token", "")
        if not token and request.content_type == "application/x-www-form-urlencoded":
            token = str((await request.post()).get("access_token", ""))
    if not token:
        raise errors.missing_token(path)
    app_key = token_app(sim, token)
    if app_key is None:
        raise errors.invalid_token(path, sim.config.invalid_token_status)
    scope = SCOPES.get(path)
    if scope and scope in sim.config.disabled_scopes:
        raise NewApiError(
            403,
            "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            f"应用尚未开通所需的权限：[{scope}]",
            accessdenieddetail={"requiredScopes": [scope]},
        )
    return app_key


def throttle_error(sim: Sim, path: str) -> Exception:
    code, message, errcode, errmsg = THROTTLE.get(sim.config.throttle_mode, THROTTLE["app"])
    if is_new_api(path):
        return NewApiError(sim.config.throttle_status, code, message)
    return OapiError(errcode, errmsg)


def _throttle(sim: Sim, path: str, app_key: str) -> None:
    """Sliding one-second window per (app, API) — or per API in global mode."""
    config = sim.config
    if config.throttle_mode == "quota":
        raise throttle_error(sim, path)
    key = path if config.throttle_mode == "global" else f"{app_key}|{path}"
    now = time.monotonic()
    window = [t for t in sim.store.hits.get(key, []) if now - t < 1.0]
    sim.store.requests[path] = sim.store.requests.get(path, 0) + 1
    if len(window) >= config.qps_limit:
        sim.store.hits[key] = window
        # Counted so a test or benchmark can assert that a client never caused a throttle.
        sim.store.throttled[path] = sim.store.throttled.get(path, 0) + 1
        raise throttle_error(sim, path)
    window.append(now)
    sim.store.hits[key] = window


async def _apply_fault(sim: Sim, request: web.Request) -> web.StreamResponse | None:
    queue = sim.store.faults.get(request.path)
    if not queue:
        return None
    fault = queue[0]
    fault["remaining"] -= 1
    if fault["remaining"] <= 0:
        queue.pop(0)
    return await _fault_response(sim, request, fault)


async def _fault_response(
    sim: Sim, request: web.Request, fault: dict[str, Any]
) -> web.StreamResponse | None:
    kind, path = str(fault["kind"]), request.path
    if kind == "throttle":
        raise throttle_error(sim, path)
    if kind == "500":
        if is_new_api(path):
            raise NewApiError(500, "unknownError", "系统错误")
        return errors.json_response({"errcode": -1, "errmsg": "系统繁忙"}, status=500)
    if kind == "502":
        html = "<html><head><title>502 Bad Gateway</title></head><body>502</body></html>"
        return web.Response(text=html, status=502, content_type="text/html")
    if kind == "504":
        return errors.json_response({"code": "GatewayTimeout", "message": "网关超时"}, status=504)
    if kind == "timeout":
        if is_new_api(path):
            raise NewApiError(504, "GatewayTimeout", "网关超时")
        raise OapiError(15, "远程服务调用超时", sub_code="isp.top-remote-connection-timeout")
    if kind == "reset":
        _reset_connection(request)
        # the socket is gone; aiohttp drops this response quietly
        return web.Response(status=500)
    if kind == "delay":
        # DingTalk has the whole request before it is slow to answer: read the body first, so
        # a client that dies while waiting still gets its call processed (as in production).
        await request.read()
        await asyncio.sleep(float(fault.get("delay") or sim.config.fault_delay_seconds))
    return None


def _reset_connection(request: web.Request) -> None:
    """Close with SO_LINGER 0 so the client sees a TCP RST, not a clean FIN."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


FAULT_KINDS = ("throttle", "500", "502", "504", "timeout", "reset", "delay")
