"""Old-style oapi calls (free login, users, work notifications) over plain HTTP.

oapi answers HTTP 200 with `errcode`; anything but 0 becomes a typed error. The SDK does not
wrap these paths, so this module speaks HTTP itself, always with a timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from clients.dingtalk.errors import DingTalkTransient, classify_oapi


@dataclass(frozen=True)
class DingTalkUser:
    userid: str
    name: str
    mobile: str | None
    unionid: str | None
    dept_ids: list[int]


@dataclass(frozen=True)
class SendResult:
    """What a work-notification task did per user, including the silent daily limits."""

    forbidden: dict[str, str]  # userid -> code (143105 daily cap, 143106 duplicate content)
    failed_user_ids: list[str]
    invalid_user_ids: list[str]
    read_user_ids: list[str]


class Oapi:
    def __init__(
        self, oapi_base: str, *, timeout_seconds: float, session: requests.Session | None = None
    ) -> None:
        self._base = oapi_base.rstrip("/")
        self._timeout = timeout_seconds
        self._http = session or requests.Session()
        self._http.trust_env = False  # never route DingTalk traffic through an env proxy

    def call(self, api: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body` to `api` with the token in the query string; return the JSON body."""
        try:
            response = self._http.post(
                f"{self._base}/{api}",
                params={"access_token": token},
                json=body,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise DingTalkTransient(type(exc).__name__, api=api) from exc
        if response.status_code >= 500:
            raise DingTalkTransient(
                f"HTTP {response.status_code}", api=api, status=response.status_code
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise DingTalkTransient(
                "non-JSON answer", api=api, status=response.status_code
            ) from exc
        if not isinstance(data, dict):
            raise DingTalkTransient("unexpected answer", api=api, status=response.status_code)
        errcode = int(data.get("errcode", 0) or 0)
        if errcode != 0:
            raise classify_oapi(
                api, errcode, _opt_str(data.get("sub_code")), str(data.get("errmsg", ""))[:300]
            )
        return data

    def user_id_from_auth_code(self, token: str, code: str) -> str:
        data = self.call("topapi/v2/user/getuserinfo", token, {"code": code})
        return str(data["result"]["userid"])

    def get_user(self, token: str, user_id: str) -> DingTalkUser:
        result = self.call("topapi/v2/user/get", token, {"userid": user_id, "language": "zh_CN"})[
            "result"
        ]
        return DingTalkUser(
            userid=str(result["userid"]),
            name=str(result.get("name", "")),
            mobile=_opt_str(result.get("mobile")),
            unionid=_opt_str(result.get("unionid")),
            dept_ids=[int(d) for d in result.get("dept_id_list", [])],
        )

    def user_id_by_mobile(self, token: str, mobile: str) -> str:
        data = self.call("topapi/v2/user/getbymobile", token, {"mobile": mobile})
        return str(data["result"]["userid"])

    def send_work_notice(
        self, token: str, agent_id: str, user_ids: list[str], msg: dict[str, Any]
    ) -> int:
        """Queue a work notification; DingTalk answers with a task id even when it will drop it."""
        data = self.call(
            "topapi/message/corpconversation/asyncsend_v2",
            token,
            {"agent_id": int(agent_id), "userid_list": ",".join(user_ids), "msg": msg},
        )
        return int(data["task_id"])

    def work_notice_result(self, token: str, agent_id: str, task_id: int) -> SendResult:
        data = self.call(
            "topapi/message/corpconversation/getsendresult",
            token,
            {"agent_id": int(agent_id), "task_id": task_id},
        )
        result = data.get("send_result", {})
        return SendResult(
            forbidden={
                str(item["userid"]): str(item["code"])
                for item in result.get("forbidden_list", []) or []
            },
            failed_user_ids=list(result.get("failed_user_id_list", []) or []),
            invalid_user_ids=list(result.get("invalid_user_id_list", []) or []),
            read_user_ids=list(result.get("read_user_id_list", []) or []),
        )


def _opt_str(value: object) -> str | None:
    return None if value in (None, "") else str(value)
