"""Card clicks, transport-neutral: parse the callback, call the card-action service, answer.

The same functions serve the Stream handler (bot/stream_adapter.py) and the HTTP card-callback
route (bot/http_callbacks.py). The answer is protocol section 6.2's response object: the new
public card data (merged by key) and the clicker's private `notice` line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.card_actions.handle import CardActionResult, handle_card_action
from services.escalation.reads import record_read
from services.notify.policy import policy_from_settings
from services.ops import metrics
from storage.runtime import Runtime
from storage.safe_input import JsonInputError, loads, problem_of

log = logging.getLogger(__name__)
MAX_ID_CHARS = 128


class BadCallback(ValueError):
    """The callback payload is not a card action we can read."""


@dataclass(frozen=True)
class CardClick:
    out_track_id: str
    user_id: str
    action: str
    params: dict[str, Any]


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = loads(value)
        except JsonInputError as exc:
            raise BadCallback("content is not JSON") from exc
    if not isinstance(value, dict):
        raise BadCallback("content is not an object")
    return value


def parse_card_callback(data: Any) -> CardClick:
    """Read protocol 6.1's payload (content is a JSON string) into a CardClick."""
    if not isinstance(data, dict):
        raise BadCallback("payload is not an object")
    private = _json_object(data.get("content") or data.get("value") or "{}").get("cardPrivateData")
    if not isinstance(private, dict):
        raise BadCallback("no cardPrivateData")
    # Every id and param is compared with stored text: refuse what the database cannot hold.
    problem = problem_of(private, where="cardPrivateData") or problem_of(
        [data.get("outTrackId"), data.get("userId")], where="callback"
    )
    if problem is not None:
        raise BadCallback(problem)
    raw_params, raw_ids = private.get("params"), private.get("actionIds")
    params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
    action_ids: list[Any] = raw_ids if isinstance(raw_ids, list) else []
    action = str(params.get("action") or (action_ids[0] if action_ids else ""))[:32]
    out_track_id = str(data.get("outTrackId") or "")[:MAX_ID_CHARS]
    user_id = str(data.get("userId") or "")[:MAX_ID_CHARS]
    if not out_track_id or not user_id or not action:
        raise BadCallback("outTrackId, userId and an action are required")
    return CardClick(out_track_id, user_id, action, dict(params))


def card_response(result: CardActionResult) -> dict[str, Any]:
    """The callback answer: public data for the card, private data for the clicker."""
    answer: dict[str, Any] = {
        "cardUpdateOptions": {"updateCardDataByKey": True, "updatePrivateDataByKey": True},
        "userPrivateData": {"cardParamMap": dict(result.private_data)},
    }
    if result.card_data:
        answer["cardData"] = {"cardParamMap": dict(result.card_data)}
    return answer


def answer_card_click(runtime: Runtime, click: CardClick, *, now: datetime) -> dict[str, Any]:
    """Run the click through the card-action service (one unit of work) and build the answer."""
    started = metrics.clock()
    with runtime.session_factory() as session:
        result = handle_card_action(
            session,
            out_track_id=click.out_track_id,
            user_id=click.user_id,
            action=click.action,
            params=click.params,
            now=now,
            lang=runtime.settings.NOTIFY_LANGUAGE,
            policy=policy_from_settings(runtime.settings),
        )
    log.info(
        "card action %s",
        result.outcome,
        extra={"ctx": {"card": click.out_track_id, "user": click.user_id, "action": click.action}},
    )
    # A click is how DingTalk tells us a card was read (escalation stops there).
    with runtime.session_factory() as session:
        record_read(session, click.out_track_id, click.user_id, now=now)
    answer = card_response(result)
    metrics.card_answered_since(started)
    return answer
