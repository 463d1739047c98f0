"""The Stream SDK's handlers, reduced to adapters: SDK message in, neutral call, SDK ack out.

Imported only after bot.listener set DINGTALK_OPENAPI_ENDPOINT (the SDK reads it at import).
Blocking work (database, Redis) runs in a thread so one slow frame never stalls the others.
Ack statuses are mapped here, in one place: handed off or duplicate -> 200; unreadable -> 400;
anything else -> 500, which DingTalk redelivers (events).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import dingtalk_stream
from dingtalk_stream import AckMessage

from bot.actions import BadCallback, answer_card_click, parse_card_callback
from bot.handoff import HANDED_OFF
from bot.inbound import accept_bot_message, accept_event
from storage.runtime import Runtime

log = logging.getLogger(__name__)
AfterHandOff = Callable[[str], None]


class CardCallbackHandler(dingtalk_stream.CallbackHandler):  # type: ignore[misc]
    """Card clicks: answer with the new card state (the decision is committed first)."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    async def process(self, callback: Any) -> tuple[int, Any]:
        try:
            click = parse_card_callback(callback.data)
        except BadCallback as exc:
            log.info("unreadable card callback: %s", exc)
            return AckMessage.STATUS_BAD_REQUEST, {}
        try:
            answer = await asyncio.to_thread(
                answer_card_click, self.runtime, click, now=datetime.now(UTC)
            )
        except Exception:  # a boundary: the card stays unchanged, DingTalk shows an error
            log.exception("card callback failed", extra={"ctx": {"card": click.out_track_id}})
            return AckMessage.STATUS_SYSTEM_EXCEPTION, {}
        return AckMessage.STATUS_OK, answer


class BotMessageHandler(dingtalk_stream.CallbackHandler):  # type: ignore[misc]
    """Robot messages: dedupe and hand off to the reply job, then ack."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime

    async def process(self, callback: Any) -> tuple[int, Any]:
        try:
            await asyncio.to_thread(accept_bot_message, self.runtime, callback.data)
        except Exception:  # a boundary: Redis down; bot messages are not redelivered
            log.exception("bot message hand-off failed")
            return AckMessage.STATUS_SYSTEM_EXCEPTION, None
        return AckMessage.STATUS_OK, None


class OrgEventHandler(dingtalk_stream.EventHandler):  # type: ignore[misc]
    """EVENT frames: dedupe by eventId, hand off, ack; a failed hand-off is redelivered."""

    def __init__(self, runtime: Runtime, after_hand_off: AfterHandOff | None = None) -> None:
        super().__init__()
        self.runtime = runtime
        self.after_hand_off = after_hand_off

    async def process(self, event: Any) -> tuple[int, str]:
        headers = event.headers
        event_id = str(headers.event_id or headers.message_id or "")
        try:
            outcome = await asyncio.to_thread(
                accept_event,
                self.runtime,
                event_type=str(headers.event_type or ""),
                event_id=event_id,
                data=event.data,
            )
        except Exception:  # a boundary: not acked as success, so DingTalk redelivers
            log.exception("event hand-off failed", extra={"ctx": {"event_id": event_id[:64]}})
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "LATER"
        if outcome == HANDED_OFF and self.after_hand_off is not None:
            self.after_hand_off(event_id)
        return AckMessage.STATUS_OK, "OK"


def register(
    client: Any, runtime: Runtime, *, after_event_hand_off: AfterHandOff | None = None
) -> None:
    """Subscribe card callbacks, robot messages and all events on `client`."""
    client.register_callback_handler(
        dingtalk_stream.CallbackHandler.TOPIC_CARD_CALLBACK, CardCallbackHandler(runtime)
    )
    client.register_callback_handler(
        dingtalk_stream.ChatbotMessage.TOPIC, BotMessageHandler(runtime)
    )
    client.register_all_event_handler(OrgEventHandler(runtime, after_event_hand_off))
