"""DingTalk's two error dialects, raised by handlers and rendered by the middleware."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from sandbox.dingtalk.state import new_id

JSON_TYPE = "application/json"


def request_id() -> str:
    return new_id()[:24].upper()


class NewApiError(Exception):
    """A `/v1.0` failure: HTTP 4xx/5xx with `{"code","message","requestid"}`."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> web.Response:
        body = {"code": self.code, "message": self.message, "requestid": request_id()}
        body.update(self.extra)
        return json_response(body, status=self.status)


class OapiError(Exception):
    """An oapi failure: HTTP 200 with a non-zero `errcode`."""

    def __init__(self, errcode: int, errmsg: str, **extra: Any) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg, self.extra = errcode, errmsg, extra

    def response(self) -> web.Response:
        body: dict[str, Any] = {"errcode": self.errcode, "errmsg": self.errmsg}
        body.update(self.extra)
        body["request_id"] = request_id()
        return json_response(body)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data, ensure_ascii=False), status=status, content_type=JSON_TYPE
    )


def oapi_ok(**fields: Any) -> web.Response:
    return json_response({"errcode": 0, "errmsg": "ok", **fields, "request_id": request_id()})


def is_new_api(path: str) -> bool:
    return path.startswith(("/v1.0/", "/v2.0/"))


def is_sim(path: str) -> bool:
    return path.startswith("/_sim") or path in {"/connect", "/"}


def bad_request(path: str, message: str, field: str = "") -> Exception:
    """The family-appropriate 'malformed request' error."""
    if is_new_api(path):
        code = f"Missing{field}" if field else "InvalidParameter"
        return NewApiError(400, code, message)
    if is_sim(path):
        return NewApiError(400, "InvalidParameter", message)
    return OapiError(40035, f"缺少参数 {field}".strip() if field else message)


def missing_token(path: str) -> Exception:
    if is_new_api(path):
        return NewApiError(
            400,
            "AuthenticationFailed.MissingParameter",
            "缺少参数：x-acs-dingtalk-access-token",
        )
    return OapiError(
        88,
        "ding talk error[subcode=40000,submsg=access_token is blank]",
        sub_code="40000",
        sub_msg="access_token is blank",
    )


def invalid_token(path: str, status: int) -> Exception:
    if is_new_api(path):
        return NewApiError(status, "InvalidAuthentication", "不合法的access_token")
    return OapiError(
        88,
        "ding talk error[subcode=40014,submsg=不合法的access_token]",
        sub_code="40014",
        sub_msg="不合法的access_token",
    )


async def read_json(request: web.Request) -> dict[str, Any]:
    """Parse a JSON object body or raise the path's own 'bad request' error (never a 500)."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request(request.path, "请求体不是合法的 JSON") from None
    if not isinstance(data, dict):
        raise bad_request(request.path, "请求体必须是 JSON 对象")
    return data


def require(data: dict[str, Any], path: str, *names: str) -> None:
    """Raise DingTalk's missing-parameter error for the first absent field."""
    for name in names:
        if data.get(name) in (None, "", []):
            raise bad_request(path, f"{name} is mandatory for this action.", name)
