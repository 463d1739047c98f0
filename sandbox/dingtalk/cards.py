"""Interactive card API: createAndDeliver, create/deliver, update, callback route registration."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.dingtalk.errors import NewApiError, json_response, read_json, require
from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.state import Card, Sim

SPACE_PREFIX = "dtv1.card//"
KEY_LIMIT, VALUE_LIMIT = 100, 1024


def resolve_user(sim: Sim, user_id: str, user_id_type: int) -> str | None:
    """Map a userId (type 1) or unionId (type 2) to the seeded userid."""
    if user_id_type == 2:
        return next((u.userid for u in sim.org.users.values() if u.unionid == user_id), None)
    return user_id if user_id in sim.org.users else None


def check_param_map(path: str, value: Any, where: str) -> dict[str, str]:
    """Card data is Map<String,String>: reject anything else the way the API does."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise NewApiError(400, "InvalidParameter", f"{where} must be an object")
    for key, item in value.items():
        if not isinstance(item, str):
            raise NewApiError(
                400,
                "InvalidParameter",
                f'{where}.{key} must be a string (use "1", "true" or JSON text)',
            )
        if len(key.encode()) > KEY_LIMIT or len(item.encode()) > VALUE_LIMIT:
            raise NewApiError(
                400, "InvalidParameter", f"{where}.{key} exceeds 100 B key / 1 KB value"
            )
    return dict(value)


def _private_maps(sim: Sim, path: str, raw: Any, user_id_type: int) -> dict[str, dict[str, str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise NewApiError(400, "InvalidParameter", "privateData must be an object")
    result = {}
    for user_id, entry in raw.items():
        userid = resolve_user(sim, user_id, user_id_type) or user_id
        params = entry.get("cardParamMap") if isinstance(entry, dict) else None
        result[userid] = check_param_map(path, params, f"privateData.{user_id}.cardParamMap")
    return result


def apply_data(
    card: Card,
    public: dict[str, str] | None,
    private: dict[str, dict[str, str]],
    options: dict[str, Any] | None,
    default_by_key: bool,
) -> None:
    """Merge (updateXxxByKey=true) or replace (false) public and private data."""
    options = options or {}
    if public is not None:
        by_key = bool(options.get("updateCardDataByKey", default_by_key))
        card.public = {**card.public, **public} if by_key else dict(public)
    by_key_private = bool(options.get("updatePrivateDataByKey", default_by_key))
    for userid, params in private.items():
        old = card.private.get(userid, {})
        card.private[userid] = {**old, **params} if by_key_private else dict(params)


def _parse_spaces(open_space_id: str) -> list[tuple[str, str]]:
    spaces = []
    for raw in open_space_id.split(";"):
        part = raw.strip()
        part = part.removeprefix(SPACE_PREFIX)
        space_type, _, space_id = part.partition(".")
        if space_type:
            spaces.append((space_type, space_id))
    return spaces


def deliver(sim: Sim, card: Card, body: dict[str, Any]) -> list[dict[str, Any]]:
    """Deliver to each `openSpaceId` space; failures are per space, inside a 200 answer."""
    results = []
    for space_type, space_id in _parse_spaces(str(body.get("openSpaceId", ""))):
        result = {
            "spaceType": space_type,
            "spaceId": space_id,
            "success": True,
            "carrierId": f"{card.out_track_id}:{space_id}",
            "errorMsg": "",
        }
        if space_type == "IM_ROBOT":
            userid = resolve_user(sim, space_id, card.user_id_type)
            model = body.get("imRobotOpenDeliverModel") or {}
            if model.get("spaceType") != "IM_ROBOT":
                result.update(success=False, errorMsg="imRobotOpenDeliverModel is required")
            elif userid is None:
                result.update(success=False, errorMsg=f"user {space_id} not found")
            elif all(s.get("userid") != userid for s in card.spaces):
                card.spaces.append({"spaceType": space_type, "spaceId": space_id, "userid": userid})
        elif space_type in ("IM_GROUP", "IM_SINGLE", "ONE_BOX"):
            card.spaces.append({"spaceType": space_type, "spaceId": space_id})
        else:
            result.update(success=False, errorMsg=f"unsupported spaceType {space_type}")
        results.append(result)
    return results


def _new_card(sim: Sim, path: str, body: dict[str, Any]) -> Card:
    require(body, path, "cardTemplateId", "outTrackId")
    template_id = str(body["cardTemplateId"])
    if sim.config.strict_templates and template_id not in sim.templates:
        raise NewApiError(400, "InvalidParameter.CardTemplateId", f"卡片模板不存在: {template_id}")
    user_id_type = int(body.get("userIdType") or 1)
    card_data = body.get("cardData") or {}
    return Card(
        out_track_id=str(body["outTrackId"]),
        template_id=template_id,
        public=check_param_map(path, card_data.get("cardParamMap"), "cardData.cardParamMap"),
        private=_private_maps(sim, path, body.get("privateData"), user_id_type),
        callback_type=str(body.get("callbackType") or "STREAM").upper(),
        callback_route_key=str(body.get("callbackRouteKey") or ""),
        user_id_type=user_id_type,
    )


def _store_card(sim: Sim, card: Card) -> Card:
    """Keep the first card for an outTrackId: DingTalk ignores re-creates ("won't take effect")."""
    existing = sim.store.cards.get(card.out_track_id)
    if existing is not None:
        existing.warnings.append("outTrackId reused: new template/data ignored")
        return existing
    card.snapshot("create")
    sim.store.cards[card.out_track_id] = card
    return card


async def create_and_deliver(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    require(body, request.path, "openSpaceId")
    card = _store_card(sim, _new_card(sim, request.path, body))
    results = deliver(sim, card, body)
    return json_response(
        {"success": True, "result": {"outTrackId": card.out_track_id, "deliverResults": results}}
    )


async def create_card(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    card = _store_card(sim, _new_card(sim, request.path, await read_json(request)))
    return json_response({"success": True, "result": card.out_track_id})


async def deliver_card(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    require(body, request.path, "outTrackId", "openSpaceId")
    card = _find(sim, str(body["outTrackId"]))
    return json_response({"success": True, "result": deliver(sim, card, body)})


def _find(sim: Sim, out_track_id: str) -> Card:
    card = sim.store.cards.get(out_track_id)
    if card is None:
        raise NewApiError(400, "InvalidParameter.OutTrackId", f"卡片实例不存在: {out_track_id}")
    return card


async def update_card(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    require(body, request.path, "outTrackId")
    card = _find(sim, str(body["outTrackId"]))
    card_data = body.get("cardData")
    public = None
    if isinstance(card_data, dict) and "cardParamMap" in card_data:
        public = check_param_map(request.path, card_data["cardParamMap"], "cardData.cardParamMap")
    user_id_type = int(body.get("userIdType") or card.user_id_type)
    private = _private_maps(sim, request.path, body.get("privateData"), user_id_type)
    apply_data(
        card, public, private, body.get("cardUpdateOptions"), sim.config.update_by_key_default
    )
    card.snapshot("update", options=body.get("cardUpdateOptions") or {})
    return json_response({"success": True, "result": True})


async def register_callback(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    body = await read_json(request)
    require(body, request.path, "callbackRouteKey", "callbackUrl")
    key = str(body["callbackRouteKey"])
    existing = sim.store.routes.get(key)
    if existing is None or body.get("forceUpdate"):
        existing = {
            "callbackUrl": str(body["callbackUrl"]),
            "apiSecret": str(body.get("apiSecret") or ""),
        }
        sim.store.routes[key] = existing
    return json_response({"success": True, "result": dict(existing)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1.0/card/instances/createAndDeliver", create_and_deliver)
    app.router.add_post("/v1.0/card/instances/deliver", deliver_card)
    app.router.add_post("/v1.0/card/instances", create_card)
    app.router.add_put("/v1.0/card/instances", update_card)
    app.router.add_post("/v1.0/card/callbacks/register", register_callback)
