"""Thin helpers that drive the sandbox through the unmodified alibabacloud-dingtalk SDK."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from alibabacloud_dingtalk.card_1_0 import models as card_models
from alibabacloud_dingtalk.card_1_0.client import Client as CardClient
from alibabacloud_dingtalk.oauth2_1_0 import models as oauth_models
from alibabacloud_dingtalk.oauth2_1_0.client import Client as OAuthClient
from alibabacloud_dingtalk.robot_1_0 import models as robot_models
from alibabacloud_dingtalk.robot_1_0.client import Client as RobotClient
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_util.models import RuntimeOptions


def sdk_config(base_url: str, read_timeout_ms: int | None = None) -> open_api_models.Config:
    """Section 3.4: protocol http + host:port endpoint aims the SDK at the sandbox."""
    config = open_api_models.Config(
        protocol="http", region_id="central", endpoint=urlparse(base_url).netloc
    )
    if read_timeout_ms is not None:
        config.read_timeout = read_timeout_ms
    return config


def get_token(base_url: str, app_key: str, app_secret: str) -> str:
    client = OAuthClient(sdk_config(base_url))
    request = oauth_models.GetAccessTokenRequest(app_key=app_key, app_secret=app_secret)
    return str(client.get_access_token(request).body.access_token)


def card_client(base_url: str, read_timeout_ms: int | None = None) -> CardClient:
    return CardClient(sdk_config(base_url, read_timeout_ms))


def create_and_deliver(
    client: CardClient,
    token: str,
    org: dict[str, Any],
    *,
    template: str,
    out_track_id: str,
    userid: str,
    params: dict[str, str],
    callback_type: str = "STREAM",
    route_key: str | None = None,
    private: dict[str, dict[str, str]] | None = None,
) -> Any:
    request = card_models.CreateAndDeliverRequest(
        card_template_id=org["card_templates"][template],
        out_track_id=out_track_id,
        callback_type=callback_type,
        callback_route_key=route_key,
        card_data=card_models.CreateAndDeliverRequestCardData(card_param_map=params),
        private_data={
            u: card_models.PrivateDataValue(card_param_map=p) for u, p in (private or {}).items()
        }
        or None,
        open_space_id=f"dtv1.card//IM_ROBOT.{userid}",
        im_robot_open_space_model=card_models.CreateAndDeliverRequestImRobotOpenSpaceModel(
            support_forward=False
        ),
        im_robot_open_deliver_model=card_models.CreateAndDeliverRequestImRobotOpenDeliverModel(
            space_type="IM_ROBOT", robot_code=org["robot_code"]
        ),
        user_id_type=1,
    )
    headers = card_models.CreateAndDeliverHeaders(x_acs_dingtalk_access_token=token)
    return client.create_and_deliver_with_options(request, headers, RuntimeOptions())


def update_card(
    client: CardClient, token: str, out_track_id: str, params: dict[str, str], *, by_key: bool
) -> Any:
    request = card_models.UpdateCardRequest(
        out_track_id=out_track_id,
        card_data=card_models.UpdateCardRequestCardData(card_param_map=params),
        card_update_options=card_models.UpdateCardRequestCardUpdateOptions(
            update_card_data_by_key=by_key
        ),
        user_id_type=1,
    )
    headers = card_models.UpdateCardHeaders(x_acs_dingtalk_access_token=token)
    return client.update_card_with_options(request, headers, RuntimeOptions())


def register_route(base_url: str, token: str, *, key: str, url: str, secret: str) -> Any:
    request = card_models.RegisterCallbackRequest(
        callback_route_key=key, callback_url=url, api_secret=secret, force_update=True
    )
    headers = card_models.RegisterCallbackHeaders(x_acs_dingtalk_access_token=token)
    return card_client(base_url).register_callback_with_options(request, headers, RuntimeOptions())


def robot_client(base_url: str) -> RobotClient:
    return RobotClient(sdk_config(base_url))


def robot_send(
    base_url: str, token: str, org: dict[str, Any], user_ids: list[str], msg_param: str
) -> Any:
    request = robot_models.BatchSendOTORequest(
        robot_code=org["robot_code"], user_ids=user_ids, msg_key="sampleText", msg_param=msg_param
    )
    headers = robot_models.BatchSendOTOHeaders(x_acs_dingtalk_access_token=token)
    return robot_client(base_url).batch_send_otowith_options(request, headers, RuntimeOptions())
