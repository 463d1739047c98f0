"""Stream listener composition root: `python -m bot.listener`.

The DingTalk Stream SDK reads its endpoint once, at import, from DINGTALK_OPENAPI_ENDPOINT, so the
variable is set from Settings before `dingtalk_stream` is first imported (section 1.9 of the
protocol notes). This module is the only importer of `dingtalk_stream` in the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from typing import TYPE_CHECKING

from jobs.process import start_process

if TYPE_CHECKING:
    from dingtalk_stream import DingTalkStreamClient

log = logging.getLogger(__name__)


def build_client(api_base: str, app_key: str, app_secret: str) -> DingTalkStreamClient:
    """A Stream client aimed at `api_base`; handlers are registered by the caller."""
    os.environ["DINGTALK_OPENAPI_ENDPOINT"] = api_base.rstrip("/")
    import dingtalk_stream  # must follow the environment variable

    credential = dingtalk_stream.Credential(app_key, app_secret)
    return dingtalk_stream.DingTalkStreamClient(credential, logger=log)


async def run_until_stopped(client: DingTalkStreamClient) -> None:
    """Run the SDK's reconnecting loop until SIGTERM or SIGINT, then cancel it cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    client.pre_start()
    task = asyncio.create_task(client.start())
    await stop.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def main() -> int:
    runtime = start_process("listener")
    settings = runtime.settings
    client = build_client(
        settings.DINGTALK_API_BASE,
        settings.require("DINGTALK_APP_KEY"),
        settings.require("DINGTALK_APP_SECRET"),
    )
    try:
        asyncio.run(run_until_stopped(client))
    finally:
        runtime.close()
    log.info("listener stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
