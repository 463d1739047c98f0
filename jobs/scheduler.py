"""Scheduler composition root: `python -m jobs.scheduler` enqueues the registry's periodic jobs.

Two schedulers may run at once (a standby, or a deploy overlap): each period of each job is
claimed with SET NX on a slot key, so a period is enqueued exactly once whoever claims it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from redis import Redis

from jobs.process import start_process, stop_event_on_signals
from jobs.queues import queue
from jobs.schedule import REGISTRY, PeriodicJob
from storage import redis_keys

log = logging.getLogger(__name__)


def _job_id(name: str, slot: int) -> str:
    # RQ job ids allow only letters, digits, "_" and "-".
    safe = "".join(ch if ch.isalnum() else "_" for ch in name)
    return f"periodic-{safe}-{slot}"


def run_due(redis: Redis, registry: Iterable[PeriodicJob], now: datetime) -> list[str]:
    """Enqueue every job whose current period nobody has claimed yet; return their names."""
    enqueued: list[str] = []
    for job in registry:
        period = job.every.total_seconds()
        slot = int(now.timestamp() // period)
        claimed = redis.set(
            redis_keys.scheduler_tick(job.name, slot),
            now.isoformat(),
            nx=True,
            ex=max(int(period * 2), 60),
        )
        if not claimed:
            continue
        queue(job.queue, redis).enqueue(
            job.func,
            kwargs=job.kwargs,
            job_id=_job_id(job.name, slot),
            job_timeout=job.timeout_seconds,
            result_ttl=3600,
            failure_ttl=7 * 86400,
        )
        redis.set(redis_keys.scheduler_last_run(job.name), now.isoformat())
        enqueued.append(job.name)
    return enqueued


def loop(
    redis: Redis,
    registry: Iterable[PeriodicJob],
    stop: threading.Event,
    *,
    tick_seconds: float = 1.0,
) -> None:
    """Claim and enqueue due jobs every tick until `stop` is set."""
    jobs = tuple(registry)
    while not stop.is_set():
        try:
            for name in run_due(redis, jobs, datetime.now(UTC)):
                log.info("enqueued periodic job", extra={"ctx": {"job": name}})
        except Exception:  # a process boundary: Redis may blink; keep the clock running
            log.exception("scheduler tick failed")
        stop.wait(tick_seconds)


def main() -> int:
    runtime = start_process("scheduler")
    stop = stop_event_on_signals()
    log.info("scheduler ready", extra={"ctx": {"jobs": len(REGISTRY)}})
    try:
        loop(runtime.redis, REGISTRY, stop)
    finally:
        runtime.close()
    log.info("scheduler stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
