"""Worker composition root: `python -m jobs.worker [queue ...]` runs RQ with its scheduler."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from rq import SimpleWorker, Worker

from clients.dingtalk import make_dingtalk_client
from config import SettingsError
from jobs import context
from jobs.dispatch import make_dispatcher
from jobs.process import start_process
from jobs.queues import ALL_QUEUES, queue
from services.notify.policy import policy_from_settings
from storage.outbox_dispatch import install_outbox_dispatch
from storage.runtime import redis_for

log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs.worker")
    parser.add_argument("queues", nargs="*", default=list(ALL_QUEUES))
    parser.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    parser.add_argument(
        "--fork",
        action="store_true",
        help="run each job in a forked work horse (RQ's default) instead of in this process",
    )
    args = parser.parse_args(argv)
    runtime = start_process("worker")
    install_outbox_dispatch(runtime.session_factory, make_dispatcher(runtime.redis))
    try:
        dingtalk = make_dingtalk_client(runtime.settings, runtime.redis)
    except SettingsError as exc:
        sys.stderr.write(f"worker: cannot start: {exc}\n")
        return 2
    context.install(
        context.WorkerContext(
            runtime=runtime,
            dingtalk=dingtalk,
            notify_policy=policy_from_settings(runtime.settings),
        )
    )
    connection = redis_for(runtime.settings, timeout=None)
    runtime.closers.append(connection.close)
    # Jobs are thin and take ids, so they run in this process by default: forking a work horse
    # per job costs ~100 ms of CPU, which on a small machine caps delivery below DingTalk's
    # rate. With --fork, a forked horse must not reuse the parent's pooled connections.
    os.register_at_fork(after_in_child=lambda: runtime.engine.dispose(close=False))
    worker_class = Worker if args.fork else SimpleWorker
    worker = worker_class([queue(name, connection) for name in args.queues], connection=connection)
    # RQ handles SIGTERM itself: it finishes the current job (warm shutdown), then exits.
    try:
        worker.work(with_scheduler=True, burst=args.burst, logging_level="INFO")
    finally:
        runtime.close()
    log.info("worker stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
