"""A tiny app on the real `dingtalk-stream` SDK, run as a subprocess by the sandbox tests.

DINGTALK_OPENAPI_ENDPOINT must be in the environment before `dingtalk_stream` is imported, which
is why this runs in its own process. Behaviour is steered by the pushed data, so one process
serves every test:
* card callback: answers with the clicked action as new public status and private `my_choice`;
  `params.sleep` seconds delay the answer (to test the 2 s deadline);
* bot message: replies `echo: <text>` through the sessionWebhook (`reply_text`);
* event: the first `data.fail_times` deliveries of an eventId are refused (`data.mode` "error"
  ACKs with code 500, "silent" sends no ACK at all); later deliveries ACK 200.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections import Counter
from typing import Any

import dingtalk_stream
from dingtalk_stream import AckMessage


class CardHandler(dingtalk_stream.CallbackHandler):
    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, Any]:
        message = dingtalk_stream.CardCallbackMessage.from_dict(callback.data)
        params = message.content.get("cardPrivateData", {}).get("params", {})
        if params.get("sleep"):
            await asyncio.sleep(float(params["sleep"]))
        action = str(params.get("action", ""))
        answer: dict[str, Any] = {
            "cardUpdateOptions": {"updateCardDataByKey": True, "updatePrivateDataByKey": True},
            "cardData": {"cardParamMap": {"decision": action, "decided_by": message.user_id}},
            "userPrivateData": {"cardParamMap": {"my_choice": action}},
        }
        return AckMessage.STATUS_OK, answer


class EchoBot(dingtalk_stream.ChatbotHandler):
    async def process(self, callback: dingtalk_stream.CallbackMessage) -> tuple[int, str]:
        incoming = dingtalk_stream.ChatbotMessage.from_dict(callback.data)
        self.reply_text(f"echo: {incoming.text.content.strip()}", incoming)
        return AckMessage.STATUS_OK, "OK"


class FlakyEvents(dingtalk_stream.EventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[str] = Counter()

    async def process(self, event: dingtalk_stream.EventMessage) -> tuple[int, str]:
        self.seen[event.headers.event_id] += 1
        data = event.data or {}
        if self.seen[event.headers.event_id] <= int(data.get("fail_times", 0)):
            if data.get("mode") == "silent":
                raise RuntimeError("refusing to ACK (test)")
            return AckMessage.STATUS_SYSTEM_EXCEPTION, "later"
        return AckMessage.STATUS_OK, "OK"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    client = dingtalk_stream.DingTalkStreamClient(
        dingtalk_stream.Credential(args.client_id, args.client_secret)
    )
    client.register_all_event_handler(FlakyEvents())
    client.register_callback_handler(dingtalk_stream.ChatbotMessage.TOPIC, EchoBot())
    client.register_callback_handler(
        dingtalk_stream.CallbackHandler.TOPIC_CARD_CALLBACK, CardHandler()
    )
    client.start_forever()


if __name__ == "__main__":
    main()
