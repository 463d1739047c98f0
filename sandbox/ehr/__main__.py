"""`python -m sandbox.ehr --port 8791`: run the demo EHR until SIGTERM/SIGINT.

`--push-scenario` seeds the demo scenario into the feed at start and pushes it to the webhook
(waiting up to --push-wait seconds for the backend to answer).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from aiohttp import ClientSession, ClientTimeout, web

from sandbox.ehr.app import EhrState, create_app, push
from sandbox.ehr.scenario import DEFAULT_ORG, load_org, scenario_events

READY_PREFIX = "Demo EHR ready on "


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.ehr", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8791, help="0 picks a free port")
    parser.add_argument("--org", default=str(DEFAULT_ORG))
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default="demo-webhook-secret")
    parser.add_argument("--api-token", default="demo-ehr-token")
    parser.add_argument("--push-scenario", action="store_true")
    parser.add_argument("--seed-scenario", action="store_true", help="feed only, no push")
    parser.add_argument("--push-wait", type=float, default=60.0)
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def _wait_for_backend(url: str, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with ClientSession(timeout=ClientTimeout(total=2)) as http:
        while loop.time() < deadline:
            try:
                async with http.post(url, data=b"{}") as resp:
                    if resp.status < 500:
                        return True
            except OSError:
                pass
            await asyncio.sleep(0.5)
    return False


async def serve(args: argparse.Namespace) -> None:
    state = EhrState(
        api_token=args.api_token, webhook_url=args.webhook_url, webhook_secret=args.webhook_secret
    )
    app = create_app(state, args.org)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    port = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"{READY_PREFIX}http://{args.host}:{port}", flush=True)
    if args.push_scenario or args.seed_scenario:
        events = scenario_events(load_org(args.org))
        state.record(events)
        if args.push_scenario and args.webhook_url:
            if await _wait_for_backend(args.webhook_url, args.push_wait):
                statuses = await push(state, events)
                print(f"Demo EHR pushed {len(events)} scenario events: {statuses}", flush=True)
            else:
                print(
                    "Demo EHR: backend webhook did not answer; events stay in the feed", flush=True
                )
    await stop.wait()
    await runner.cleanup()
    print("Demo EHR stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
