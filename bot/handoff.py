"""The durable hand-off before an ack: remember the message id and enqueue its job, atomically.

The dedupe marker and the RQ job are written in one Redis MULTI under WATCH of the marker, so
either both exist or neither does: a listener killed after the hand-off but before its ack gets
the redelivery answered as a duplicate (the job is already queued), and a listener killed before
the hand-off leaves nothing behind, so the redelivery is handed off then. Two listeners receiving
the same message race on the WATCH: exactly one enqueues.
"""

from __future__ import annotations

import logging
from typing import Any

from redis import Redis
from redis.exceptions import WatchError

from jobs.queues import DEFAULT_QUEUE, queue
from storage import redis_keys

log = logging.getLogger(__name__)
HANDED_OFF = "handed_off"
DUPLICATE = "duplicate"


def hand_off(
    redis: Redis,
    *,
    kind: str,
    message_id: str,
    job: str,
    args: tuple[Any, ...],
    ttl_seconds: int,
) -> str:
    """Enqueue `job(*args)` once per (kind, message id); return HANDED_OFF or DUPLICATE."""
    key = redis_keys.bot_seen(kind, message_id)
    with redis.pipeline() as pipe:
        try:
            pipe.watch(key)  # type: ignore[no-untyped-call]
            if pipe.exists(key):
                return DUPLICATE
            pipe.multi()
            pipe.set(key, "1", ex=ttl_seconds)
            queue(DEFAULT_QUEUE, redis).enqueue_call(
                job,
                args=args,
                job_id=f"bot-{kind}-{key.rsplit(':', 1)[-1]}",
                timeout=120,
                result_ttl=3600,
                failure_ttl=7 * 86400,
                pipeline=pipe,
            )
            pipe.execute()
        except WatchError:
            return DUPLICATE
    log.info("handed off", extra={"ctx": {"kind": kind, "message_id": message_id[:64]}})
    return HANDED_OFF
