"""DingTalk 智能人事 (`alibabacloud_dingtalk.hrm_1_0`): the pre-entry record (待入职) of a new
hire, AddHrmPreentry (`POST /v1.0/hrm/preentries`). The mobile number is sent in the body only
and never appears in an error message or a log line."""

from __future__ import annotations

from alibabacloud_dingtalk.hrm_1_0 import models as hrm
from alibabacloud_dingtalk.hrm_1_0.client import Client as HrmClient

from clients.dingtalk.errors import DingTalkTransient
from clients.dingtalk.openapi import call_sdk, runtime_options, sdk_config

API_PREENTRY = "hrm/preentries"


class HrmApi:
    """The SDK's hrm_1.0 client aimed at `api_base`: a token in, the temporary user id out."""

    def __init__(self, api_base: str, *, timeout_seconds: float) -> None:
        self._runtime = runtime_options(timeout_seconds)
        self._client = HrmClient(sdk_config(api_base))

    def add_preentry(
        self, token: str, *, name: str, mobile: str, pre_entry_ms: int, agent_id: int
    ) -> str:
        """AddHrmPreentry: the candidate becomes 待入职 on the join date; return tmpUserId."""
        request = hrm.AddHrmPreentryRequest(
            name=name,
            mobile=mobile,
            pre_entry_time=pre_entry_ms,
            agent_id=agent_id,
            need_send_pre_entry_msg=False,  # the backend's own 入职通知 card tells the candidate
        )
        headers = hrm.AddHrmPreentryHeaders(x_acs_dingtalk_access_token=token)
        response = call_sdk(
            API_PREENTRY,
            lambda: self._client.add_hrm_preentry_with_options(request, headers, self._runtime),
        )
        tmp_user_id = response.body.tmp_user_id if response.body is not None else None
        if not tmp_user_id:
            raise DingTalkTransient("AddHrmPreentry answered without tmpUserId", api=API_PREENTRY)
        return str(tmp_user_id)
