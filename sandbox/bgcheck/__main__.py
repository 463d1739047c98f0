"""`python -m sandbox.bgcheck --port 8792`: run the background-check vendor simulator."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from aiohttp import web

from sandbox.bgcheck.app import VendorState, create_app

READY_PREFIX = "Background-check vendor ready on "


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.bgcheck", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8792, help="0 picks a free port")
    parser.add_argument("--api-token", default="demo-bgcheck-token")
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default="demo-bgcheck-webhook-secret")
    parser.add_argument(
        "--auto-complete-seconds",
        type=float,
        default=None,
        help="complete each report this long after it is created (default: only when told)",
    )
    parser.add_argument(
        "--script",
        action="append",
        default=[],
        metavar="CUSTOM_ID:ITEM=RESULT[,ITEM=RESULT]",
        help="a candidate's scripted outcome, e.g. cand-13:employment=consider (repeatable)",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    state = VendorState(
        api_token=args.api_token,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        auto_complete_seconds=args.auto_complete_seconds,
    )
    for script in args.script:
        custom_id, _, pairs = script.partition(":")
        items = dict(pair.split("=", 1) for pair in pairs.split(",") if "=" in pair)
        state.outcomes[custom_id] = items
    runner = web.AppRunner(create_app(state), handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    port = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"{READY_PREFIX}http://{args.host}:{port}", flush=True)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
