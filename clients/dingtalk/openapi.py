"""New-style API calls through the official `alibabacloud_dingtalk` SDK.

One of the modules that import `alibabacloud_dingtalk` (with `calendar.py` and `reach.py`). Every
call goes through `*_with_options` with explicit headers (the convenience forms send no token)
and runtime options with timeouts and no automatic retries; failures become typed errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlparse

from alibabacloud_dingtalk.card_1_0 import models as card_models
from alibabacloud_dingtalk.card_1_0.client import Client as CardClient
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth_models
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_dingtalk.robot_1_0 import models as robot_models
from alibabacloud_dingtalk.robot_1_0.client import Client as RobotClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util import models as util_models
from Tea.exceptions import TeaException

from clients.dingtalk.errors import DingTalkTransient, classify_new_api
from clients.dingtalk.tokens import FetchedToken

T = TypeVar("T")


@dataclass(frozen=True)
class CardDelivery:
    """One interactive card to one user's chat with the robot."""

    out_track_id: str
    template_id: str
    user_id: str
    card_data: dict[str, str]
    private_data: dict[str, dict[str, str]] = field(default_factory=dict)
    callback_type: str = "STREAM"
    callback_route_key: str | None = None


@dataclass(frozen=True)
class RobotSendResult:
    process_query_key: str
    invalid_user_ids: list[str]
    flow_controlled_user_ids: list[str]


def sdk_config(api_base: str) -> open_api_models.Config:
    """The SDK's client configuration aimed at `api_base` (DingTalk, or the sandbox)."""
    parsed = urlparse(api_base)
    # The SDK defaults to plain HTTP unless told; the scheme of the base URL decides.
    return open_api_models.Config(
        protocol=parsed.scheme or "https", region_id="central", endpoint=parsed.netloc
    )


def runtime_options(timeout_seconds: float) -> util_models.RuntimeOptions:
    """Timeouts, and no retries of the SDK's own: the jobs decide when to retry."""
    timeout_ms = int(timeout_seconds * 1000)
    return util_models.RuntimeOptions(
        read_timeout=timeout_ms, connect_timeout=timeout_ms, autoretry=False, max_attempts=1
    )


def call_sdk(api: str, fn: Callable[[], T]) -> T:
    """Run one SDK call; its failures become the typed errors of clients/dingtalk/errors.py."""
    try:
        return fn()
    except TeaException as exc:
        data = exc.data if isinstance(exc.data, dict) else {}
        status = data.get("statusCode") or getattr(exc, "statusCode", None)
        raise classify_new_api(api, status, exc.code, str(exc.message)[:300]) from exc
    except (OSError, ValueError) as exc:
        raise DingTalkTransient(type(exc).__name__, api=api) from exc


class OpenApi:
    """Thin typed wrappers over the SDK clients, aimed at `api_base` (scheme decides HTTPS)."""

    def __init__(self, api_base: str, *, robot_code: str, timeout_seconds: float) -> None:
        config = sdk_config(api_base)
        self._runtime = runtime_options(timeout_seconds)
        self._cards = CardClient(config)
        self._robot = RobotClient(config)
        self._oauth = OAuthClient(config)
        self._robot_code = robot_code

    def _call(self, api: str, fn: Callable[[], T]) -> T:
        return call_sdk(api, fn)

    def fetch_token(self, app_key: str, app_secret: str) -> FetchedToken:
        request = oauth_models.GetAccessTokenRequest(app_key=app_key, app_secret=app_secret)
        response = self._call(
            "oauth2/accessToken",
            lambda: self._oauth.get_access_token_with_options(request, {}, self._runtime),
        )
        return FetchedToken(
            value=response.body.access_token, expires_in=int(response.body.expire_in)
        )

    def create_and_deliver(self, token: str, card: CardDelivery) -> dict[str, Any]:
        """Create the card keyed by its outTrackId and deliver it to the user's robot chat."""
        request = card_models.CreateAndDeliverRequest(
            card_template_id=card.template_id,
            out_track_id=card.out_track_id,
            callback_type=card.callback_type,
            callback_route_key=card.callback_route_key,
            card_data=card_models.CreateAndDeliverRequestCardData(card_param_map=card.card_data),
            private_data={
                user: card_models.PrivateDataValue(card_param_map=values)
                for user, values in card.private_data.items()
            }
            or None,
            open_space_id=f"dtv1.card//IM_ROBOT.{card.user_id}",
            im_robot_open_space_model=card_models.CreateAndDeliverRequestImRobotOpenSpaceModel(
                support_forward=False
            ),
            im_robot_open_deliver_model=card_models.CreateAndDeliverRequestImRobotOpenDeliverModel(
                space_type="IM_ROBOT", robot_code=self._robot_code
            ),
            user_id_type=1,
        )
        headers = card_models.CreateAndDeliverHeaders(x_acs_dingtalk_access_token=token)
        response = self._call(
            "card/createAndDeliver",
            lambda: self._cards.create_and_deliver_with_options(request, headers, self._runtime),
        )
        body: dict[str, Any] = response.body.to_map()
        return body

    def update_card(
        self,
        token: str,
        out_track_id: str,
        card_data: dict[str, str],
        *,
        private_data: dict[str, dict[str, str]] | None = None,
        by_key: bool = True,
    ) -> None:
        """Merge (by_key) or replace the card's public and private data."""
        request = card_models.UpdateCardRequest(
            out_track_id=out_track_id,
            card_data=card_models.UpdateCardRequestCardData(card_param_map=card_data),
            private_data={
                user: card_models.PrivateDataValue(card_param_map=values)
                for user, values in (private_data or {}).items()
            }
            or None,
            card_update_options=card_models.UpdateCardRequestCardUpdateOptions(
                update_card_data_by_key=by_key, update_private_data_by_key=by_key
            ),
            user_id_type=1,
        )
        headers = card_models.UpdateCardHeaders(x_acs_dingtalk_access_token=token)
        self._call(
            "card/update",
            lambda: self._cards.update_card_with_options(request, headers, self._runtime),
        )

    def register_card_callback(self, token: str, route_key: str, url: str, api_secret: str) -> None:
        request = card_models.RegisterCallbackRequest(
            callback_route_key=route_key, callback_url=url, api_secret=api_secret, force_update=True
        )
        headers = card_models.RegisterCallbackHeaders(x_acs_dingtalk_access_token=token)
        self._call(
            "card/callbacks/register",
            lambda: self._cards.register_callback_with_options(request, headers, self._runtime),
        )

    def robot_send(
        self, token: str, user_ids: list[str], msg_key: str, msg_param: dict[str, Any]
    ) -> RobotSendResult:
        """Send a robot one-to-one message (at most 20 users per call)."""
        request = robot_models.BatchSendOTORequest(
            robot_code=self._robot_code,
            user_ids=user_ids,
            msg_key=msg_key,
            msg_param=json.dumps(msg_param, ensure_ascii=False),
        )
        headers = robot_models.BatchSendOTOHeaders(x_acs_dingtalk_access_token=token)
        response = self._call(
            "robot/oToMessages/batchSend",
            lambda: self._robot.batch_send_otowith_options(request, headers, self._runtime),
        )
        body = response.body
        return RobotSendResult(
            process_query_key=body.process_query_key or "",
            invalid_user_ids=list(body.invalid_staff_id_list or []),
            flow_controlled_user_ids=list(body.flow_controlled_staff_id_list or []),
        )
