"""Worker composition root: `python -m jobs.worker [queue ...]` runs RQ with its scheduler."""

from __future__ import annotations

import argparse
import logging

from rq import Worker

from jobs import context
from jobs.process import start_process
from jobs.queues import ALL_QUEUES, queue
from storage.runtime import make_redis

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker")
    parser.add_argument("queues", nargs="*", default=list(ALL_QUEUES))
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    args = parser.parse_args(argv)
    runtime = start_process("worker")
    context.install(runtime)
    connection = make_redis(runtime.settings.require("REDIS_URL"), timeout=None)
    runtime.closers.append(connection.close)
    worker = Worker([queue(name, connection) for name in args.queues], connection=connection)
    # RQ handles SIGTERM itself: it finishes the current job (warm shutdown), then exits.
    try:
        worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    finally:
        runtime.close()
    log.info("worker stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
