"""Queue names and the one place jobs are enqueued from, so routing never drifts."""

from __future__ import annotations

from redis import Redis
from rq import Queue

DEFAULT_QUEUE = "default"
NOTIFY_QUEUE = "notify"
SYNC_QUEUE = "sync"
ALL_QUEUES = (NOTIFY_QUEUE, SYNC_QUEUE, DEFAULT_QUEUE)


def queue(name: str, connection: Redis) -> Queue:
    return Queue(name, connection=connection)
