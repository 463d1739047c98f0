"""The DingTalk client: tokens, cards, robot messages, work notifications, user lookup, calendar.

`openapi.py`, `calendar.py`, `ats.py` (智能招聘, read as a change feed) `workflow.py` (OA
approval) and `esign.py` (e-signature) are the only importers
of `alibabacloud_dingtalk`; `oapi.py` speaks the old API.
"""

from clients.dingtalk.client import DingTalkClient, make_dingtalk_client
from clients.dingtalk.errors import (
    DingTalkAuthCodeInvalid,
    DingTalkAuthError,
    DingTalkBadRequest,
    DingTalkError,
    DingTalkPermissionDenied,
    DingTalkQuotaExceeded,
    DingTalkRateLimited,
    DingTalkTokenInvalid,
    DingTalkTransient,
    DingTalkUserNotFound,
)
from clients.dingtalk.esign import SigningSpec
from clients.dingtalk.oapi import DingTalkUser, SendResult
from clients.dingtalk.openapi import CardDelivery, RobotSendResult
from clients.dingtalk.workflow import ApprovalInstance, ApprovalSpec

__all__ = [
    "ApprovalInstance",
    "ApprovalSpec",
    "CardDelivery",
    "DingTalkAuthCodeInvalid",
    "DingTalkAuthError",
    "DingTalkBadRequest",
    "DingTalkClient",
    "DingTalkError",
    "DingTalkPermissionDenied",
    "DingTalkQuotaExceeded",
    "DingTalkRateLimited",
    "DingTalkTokenInvalid",
    "DingTalkTransient",
    "DingTalkUser",
    "DingTalkUserNotFound",
    "RobotSendResult",
    "SendResult",
    "SigningSpec",
    "make_dingtalk_client",
]
