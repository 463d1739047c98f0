"""`python -m sandbox.dingtalk --port N --seed FILE`: run the sandbox until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from aiohttp import web

from sandbox.dingtalk.app import create_app_from_seed
from sandbox.dingtalk.config import SimConfig, parse_option_pairs

READY_PREFIX = "DingTalk sandbox ready on "
DEFAULT_SEED = Path(__file__).resolve().parents[1] / "demo_org.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.dingtalk", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790, help="0 picks a free port")
    parser.add_argument("--seed", default=str(DEFAULT_SEED), help="demo_org.json or native seed")
    parser.add_argument("--templates", default=None, help="card template folder")
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a SimConfig field, e.g. --option ping_interval=5",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    config = SimConfig()
    unknown = config.apply(parse_option_pairs(args.option))
    if unknown:
        raise SystemExit(f"unknown --option keys: {', '.join(unknown)}")
    templates = Path(args.templates) if args.templates else None
    app = create_app_from_seed(args.seed, config=config, templates_dir=templates)
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
    await stop.wait()
    await runner.cleanup()
    print("DingTalk sandbox stopped", flush=True)


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
