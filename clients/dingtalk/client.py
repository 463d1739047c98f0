"""The DingTalk client the app uses: token sharing, rate limiting, one refresh, typed errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from redis import Redis

from clients.dingtalk import metrics
from clients.dingtalk.ats import AtsApi, AtsFeed
from clients.dingtalk.calendar import CalendarApi, DingTalkCalendar
from clients.dingtalk.errors import (
    DingTalkAuthError,
    DingTalkError,
    DingTalkRateLimited,
    DingTalkTokenInvalid,
)
from clients.dingtalk.esign import EsignApi, SigningSpec
from clients.dingtalk.hrm import API_PREENTRY, HrmApi
from clients.dingtalk.oapi import DingTalkUser, Oapi, SendResult
from clients.dingtalk.openapi import CardDelivery, OpenApi, RobotSendResult
from clients.dingtalk.ratelimit import RateLimiter
from clients.dingtalk.reach import REMIND_BY_SMS, REMIND_IN_APP, ReachApi, TodoSpec
from clients.dingtalk.tokens import TokenCache
from clients.dingtalk.workflow import ApprovalInstance, ApprovalSpec, WorkflowApi
from config import Settings

T = TypeVar("T")


class DingTalkClient:
    """Every call: wait for a rate slot, use the shared token, refresh it once if rejected."""

    def __init__(
        self,
        *,
        openapi: OpenApi,
        oapi: Oapi,
        tokens: TokenCache,
        limiter: RateLimiter,
        agent_id: str,
        calendar: CalendarApi,
        reach: ReachApi | None = None,
        ats: AtsApi | None = None,
        workflow: WorkflowApi | None = None,
        esign: EsignApi | None = None,
        hrm: HrmApi | None = None,
        throttle_retries: int = 10,
    ) -> None:
        self._openapi = openapi
        self._oapi = oapi
        self._tokens = tokens
        self._limiter = limiter
        self._agent_id = agent_id
        self._throttle_retries = throttle_retries
        # Calendar events and free/busy by userid (the calendar API itself wants unionIds).
        self.calendar = DingTalkCalendar(calendar, call=self._call, get_user=self.get_user)
        self._reach = reach
        self._ats = ats
        self._workflow = workflow
        self._esign = esign
        self._hrm = hrm

    def _call(self, api: str, fn: Callable[[str], T]) -> T:
        refreshed = False
        throttled = 0
        while True:
            self._limiter.acquire(api)
            token = self._tokens.get()
            started = metrics.clock()
            try:
                result = fn(token)
                metrics.dingtalk_call(api, "ok", started)
                return result
            except DingTalkTokenInvalid as exc:
                metrics.dingtalk_call(api, "failed" if refreshed else "token_refreshed", started)
                if refreshed:
                    raise DingTalkAuthError(
                        "token rejected after a refresh", api=api, code=exc.code, status=exc.status
                    ) from exc
                refreshed = True
                self._tokens.invalidate(token)
            except DingTalkRateLimited:
                metrics.dingtalk_call(api, "throttled", started)
                # Every process pauses this API for a second: DingTalk's window is one second.
                self._limiter.cool_down(api)
                throttled += 1
                if throttled > self._throttle_retries:
                    raise
            except DingTalkError:
                metrics.dingtalk_call(api, "failed", started)
                raise

    def ats_feed(self, op_user_id: str) -> AtsFeed:
        """DingTalk's recruiting module read as an EHR change feed (EHR_SOURCE=dingtalk_ats)."""
        if self._ats is None:
            raise DingTalkError("this client was built without the recruiting API", api="ats")
        return AtsFeed(self._ats, call=self._call, op_user_id=op_user_id)

    def _workflow_api(self) -> WorkflowApi:
        if self._workflow is None:
            raise DingTalkError("this client was built without the workflow API", api="workflow")
        return self._workflow

    def start_approval(self, spec: ApprovalSpec) -> str:
        """An OA approval instance (workflow_1.0 StartProcessInstance); its id."""
        api = self._workflow_api()
        return self._call("workflow/processInstances/start", lambda t: api.start(t, spec))

    def approval_instance(self, instance_id: str) -> ApprovalInstance:
        api = self._workflow_api()
        return self._call("workflow/processInstances/get", lambda t: api.get(t, instance_id))

    def _esign_api(self) -> EsignApi:
        if self._esign is None:
            raise DingTalkError("this client was built without the e-signature API", api="esign")
        return self._esign

    def start_signing(self, spec: SigningSpec) -> str:
        """An e-signature flow for one document and signer (esign_2.0); its task id."""
        api = self._esign_api()
        return self._call("esign/process/startAtOnce", lambda t: api.start(t, spec))

    def signing_url(self, task_id: str, account: str) -> str:
        api = self._esign_api()
        return self._call("esign/process/executeUrls", lambda t: api.sign_url(t, task_id, account))

    def signing_status(self, task_id: str) -> int:
        api = self._esign_api()
        return self._call("esign/signTasks", lambda t: api.flow_status(t, task_id))

    def add_preentry(self, *, name: str, mobile: str, pre_entry_ms: int) -> str:
        """智能人事's pre-entry record (待入职) of a new hire; return its temporary user id."""
        hrm = self._hrm
        if hrm is None:
            raise DingTalkError("this client was built without the HR API", api=API_PREENTRY)
        agent = int(self._agent_id)
        return self._call(
            API_PREENTRY,
            lambda t: hrm.add_preentry(
                t, name=name, mobile=mobile, pre_entry_ms=pre_entry_ms, agent_id=agent
            ),
        )

    def access_token(self) -> str:
        return self._tokens.get()

    def user_id_from_auth_code(self, code: str) -> str:
        """Exchange a free-login auth code (dd.getAuthCode) for the user's id."""
        return self._call("user/getuserinfo", lambda t: self._oapi.user_id_from_auth_code(t, code))

    def get_user(self, user_id: str) -> DingTalkUser:
        return self._call("user/get", lambda t: self._oapi.get_user(t, user_id))

    def user_id_by_mobile(self, mobile: str) -> str:
        return self._call("user/getbymobile", lambda t: self._oapi.user_id_by_mobile(t, mobile))

    def create_and_deliver_card(self, card: CardDelivery) -> dict[str, Any]:
        return self._call(
            "card/createAndDeliver", lambda t: self._openapi.create_and_deliver(t, card)
        )

    def update_card(
        self,
        out_track_id: str,
        card_data: dict[str, str],
        *,
        private_data: dict[str, dict[str, str]] | None = None,
        by_key: bool = True,
    ) -> None:
        self._call(
            "card/update",
            lambda t: self._openapi.update_card(
                t, out_track_id, card_data, private_data=private_data, by_key=by_key
            ),
        )

    def register_card_callback(self, route_key: str, url: str, api_secret: str) -> None:
        self._call(
            "card/callbacks/register",
            lambda t: self._openapi.register_card_callback(t, route_key, url, api_secret),
        )

    def send_robot_message(
        self, user_ids: list[str], msg_key: str, msg_param: dict[str, Any]
    ) -> RobotSendResult:
        return self._call(
            "robot/batchSend", lambda t: self._openapi.robot_send(t, user_ids, msg_key, msg_param)
        )

    def send_work_notice(self, user_ids: list[str], msg: dict[str, Any]) -> int:
        return self._call(
            "message/asyncsend_v2",
            lambda t: self._oapi.send_work_notice(t, self._agent_id, user_ids, msg),
        )

    def work_notice_result(self, task_id: int) -> SendResult:
        return self._call(
            "message/getsendresult",
            lambda t: self._oapi.work_notice_result(t, self._agent_id, task_id),
        )

    def _reach_api(self) -> ReachApi:
        if self._reach is None:
            raise RuntimeError("this client was built without the DING and to-do APIs")
        return self._reach

    def send_ding(self, user_id: str, content: str, *, sms: bool = False) -> str:
        """A DING (in the app, or by SMS) to one user; its openDingId."""
        reach, kind = self._reach_api(), REMIND_BY_SMS if sms else REMIND_IN_APP
        return self._call("robot/ding/send", lambda t: reach.send_ding(t, user_id, content, kind))

    def ding_read_by(self, open_ding_id: str) -> set[str]:
        reach = self._reach_api()
        return self._call(
            "robot/ding/readStatuses/query", lambda t: reach.ding_read_by(t, open_ding_id)
        )

    def create_todo(self, user_id: str, spec: TodoSpec) -> str:
        """A to-do in the user's DingTalk to-do list (the API names people by unionId)."""
        reach, union_id = self._reach_api(), self.calendar.union_id(user_id)
        return self._call("todo/tasks/create", lambda t: reach.create_todo(t, union_id, spec))


def make_dingtalk_client(settings: Settings, redis: Redis) -> DingTalkClient:
    """Build the client from settings; `redis` holds the shared token and rate windows."""
    app_key = settings.require("DINGTALK_APP_KEY")
    app_secret = settings.require("DINGTALK_APP_SECRET")
    openapi = OpenApi(
        settings.DINGTALK_API_BASE,
        robot_code=settings.require("DINGTALK_ROBOT_CODE"),
        timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS,
    )
    return DingTalkClient(
        openapi=openapi,
        oapi=Oapi(settings.DINGTALK_OAPI_BASE, timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS),
        tokens=TokenCache(redis, app_key, lambda: openapi.fetch_token(app_key, app_secret)),
        limiter=RateLimiter(
            redis,
            app_key,
            rate=settings.DINGTALK_RATE_PER_SECOND,
            window_ms=settings.DINGTALK_RATE_WINDOW_MS,
        ),
        agent_id=settings.require("DINGTALK_AGENT_ID"),
        calendar=CalendarApi(
            settings.DINGTALK_API_BASE, timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS
        ),
        reach=ReachApi(
            settings.DINGTALK_API_BASE,
            robot_code=settings.require("DINGTALK_ROBOT_CODE"),
            timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS,
        ),
        ats=AtsApi(settings.DINGTALK_API_BASE, timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS),
        workflow=WorkflowApi(
            settings.DINGTALK_API_BASE, timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS
        ),
        esign=EsignApi(
            settings.DINGTALK_API_BASE, timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS
        ),
        hrm=HrmApi(settings.DINGTALK_API_BASE, timeout_seconds=settings.DINGTALK_TIMEOUT_SECONDS),
    )
