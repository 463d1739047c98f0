"""Reaching a person who has not read a message (issue 22): DING (in the app, or by SMS) with
its read status, and a to-do in DingTalk's to-do list.

Through the official SDK (`robot_1_0` RobotSendDing / QueryRobotDingReadStatus, `todo_1_0`
CreateTodoTask), like openapi.py. Verified against the SDK's models: the request fields and
paths. Assumed (not in the SDK's models, documented in docs/dingtalk-escalation.md): the values
of `remindType` (1 in the app, 2 by SMS, 3 by phone call) and of `readStatus` ("READ" or
"UNREAD").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from alibabacloud_dingtalk.robot_1_0 import models as robot_models
from alibabacloud_dingtalk.robot_1_0.client import Client as RobotClient
from alibabacloud_dingtalk.todo_1_0 import models as todo_models
from alibabacloud_dingtalk.todo_1_0.client import Client as TodoClient

from clients.dingtalk.openapi import call_sdk, runtime_options, sdk_config

T = TypeVar("T")
REMIND_IN_APP = 1
REMIND_BY_SMS = 2
READ = "READ"


@dataclass(frozen=True)
class TodoSpec:
    subject: str
    description: str
    url: str  # opens the application in the H5 app
    due_time_ms: int | None = None


class ReachApi:
    """The SDK's robot (DING) and to-do clients aimed at `api_base`."""

    def __init__(self, api_base: str, *, robot_code: str, timeout_seconds: float) -> None:
        config = sdk_config(api_base)
        self._runtime = runtime_options(timeout_seconds)
        self._robot = RobotClient(config)
        self._todo = TodoClient(config)
        self._robot_code = robot_code

    def _call(self, api: str, fn: Callable[[], T]) -> T:
        return call_sdk(api, fn)

    def send_ding(self, token: str, user_id: str, content: str, remind_type: int) -> str:
        """A DING to one user; its openDingId (to ask for its read status)."""
        request = robot_models.RobotSendDingRequest(
            robot_code=self._robot_code,
            receiver_user_id_list=[user_id],
            content=content,
            remind_type=remind_type,
        )
        headers = robot_models.RobotSendDingHeaders(x_acs_dingtalk_access_token=token)
        response = self._call(
            "robot/ding/send",
            lambda: self._robot.robot_send_ding_with_options(request, headers, self._runtime),
        )
        return str(response.body.open_ding_id or "")

    def ding_read_by(self, token: str, open_ding_id: str) -> set[str]:
        """The user ids that have read the DING."""
        request = robot_models.QueryRobotDingReadStatusRequest(
            robot_code=self._robot_code, open_ding_id=open_ding_id
        )
        headers = robot_models.QueryRobotDingReadStatusHeaders(x_acs_dingtalk_access_token=token)
        response = self._call(
            "robot/ding/readStatuses/query",
            lambda: self._robot.query_robot_ding_read_status_with_options(
                request, headers, self._runtime
            ),
        )
        result = response.body.result
        infos = (result.robot_ding_read_info_list if result else None) or []
        return {str(i.user_id) for i in infos if str(i.read_status or "").upper() == READ}

    def create_todo(self, token: str, union_id: str, spec: TodoSpec) -> str:
        """A to-do in the user's DingTalk to-do list (they are creator and executor)."""
        request = todo_models.CreateTodoTaskRequest(
            operator_id=union_id,
            subject=spec.subject,
            description=spec.description,
            executor_ids=[union_id],
            detail_url=todo_models.CreateTodoTaskRequestDetailUrl(
                app_url=spec.url, pc_url=spec.url
            ),
            due_time=spec.due_time_ms,
        )
        headers = todo_models.CreateTodoTaskHeaders(x_acs_dingtalk_access_token=token)
        response = self._call(
            "todo/tasks/create",
            lambda: self._todo.create_todo_task_with_options(
                union_id, request, headers, self._runtime
            ),
        )
        return str(response.body.id or "")
