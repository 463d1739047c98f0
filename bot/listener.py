"""Stream listener composition root: `python -m bot.listener`.

The DingTalk Stream SDK reads its endpoint once, at import, from DINGTALK_OPENAPI_ENDPOINT, so the
variable is set from Settings before `dingtalk_stream` is first imported (section 1.9 of the
protocol notes). This module (with bot/stream_adapter.py) is the only importer of
`dingtalk_stream` in the app. The SDK's loop reconnects by itself after a drop or a
SYSTEM/disconnect; SIGTERM cancels it cleanly.

Several listeners per app: **active-active, made safe by dedupe** (no lease). DingTalk pushes
each frame to one random connection of the app, and redelivers unacknowledged events, possibly
to another listener. So:
* events and robot messages are handed off atomically with a Redis dedupe marker keyed by
  eventId / msgId (bot/handoff.py: WATCH + MULTI), so whichever listener gets a (re)delivery,
  exactly one job is enqueued, and the ack follows that hand-off;
* card clicks are answered synchronously from the database: the decision's idempotency key
  (derived from the card) and a row lock on the application make a duplicate or concurrent
  click on any listener one decision.
Running two listeners therefore only adds availability; no standby or fail-over delay exists.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from typing import TYPE_CHECKING

from jobs.dispatch import make_dispatcher
from jobs.process import start_process
from storage.outbox_dispatch import install_outbox_dispatch

if TYPE_CHECKING:
    from dingtalk_stream import DingTalkStreamClient

log = logging.getLogger(__name__)


class _RedactPayloads(logging.Filter):
    """The SDK logs raw frames and answers on some paths; they can carry chat text and names."""

    MARKERS = ("message=", "response.text=", "data=")

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        cut = min((text.find(m) for m in self.MARKERS if m in text), default=-1)
        if cut >= 0:
            text = text[:cut] + "[payload redacted]"
        record.msg, record.args = text, ()
        return True


sdk_log = logging.getLogger("dingtalk_stream.sdk")
sdk_log.addFilter(_RedactPayloads())
EXIT_BEFORE_ACK = 17


def build_client(api_base: str, app_key: str, app_secret: str) -> DingTalkStreamClient:
    """A Stream client aimed at `api_base`; handlers are registered by the caller."""
    os.environ["DINGTALK_OPENAPI_ENDPOINT"] = api_base.rstrip("/")
    import dingtalk_stream  # must follow the environment variable

    credential = dingtalk_stream.Credential(app_key, app_secret)
    return dingtalk_stream.DingTalkStreamClient(credential, logger=sdk_log)


async def run_until_stopped(client: DingTalkStreamClient) -> None:
    """Run the SDK's reconnecting loop until SIGTERM or SIGINT, then cancel it cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    client.pre_start()
    task = asyncio.create_task(client.start())
    await stop.wait()
    # The SDK's loop catches one CancelledError (it treats it as a network error and sleeps
    # 10 s before reconnecting); cancelling again lands in that sleep and ends it.
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.5)
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _exit_before_ack(event_id: str) -> None:
    # Fault injection for the redelivery test: die after the durable hand-off, before the ack.
    log.warning("exiting before the ack (--exit-before-ack)", extra={"ctx": {"event": event_id}})
    os._exit(EXIT_BEFORE_ACK)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.listener")
    parser.add_argument("--exit-before-ack", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runtime = start_process("listener")
    # Decisions committed by card clicks become write-back jobs right after their commit.
    install_outbox_dispatch(runtime.session_factory, make_dispatcher(runtime.redis))
    settings = runtime.settings
    client = build_client(
        settings.DINGTALK_API_BASE,
        settings.require("DINGTALK_APP_KEY"),
        settings.require("DINGTALK_APP_SECRET"),
    )
    from bot import stream_adapter  # imports dingtalk_stream: after build_client

    hook = _exit_before_ack if args.exit_before_ack and not settings.is_production else None
    stream_adapter.register(client, runtime, after_event_hand_off=hook)
    try:
        asyncio.run(run_until_stopped(client))
    finally:
        runtime.close()
    log.info("listener stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
