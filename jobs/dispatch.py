"""Outbox rows become RQ jobs: right after commit, and again by the sweep if that was missed."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis import Redis
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.queues import NOTIFY_QUEUE, queue
from storage.outbox_dispatch import Dispatcher
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)
LIVE_STATES = {"queued", "started", "deferred", "scheduled"}
# Transient DingTalk failures: retry with growing pauses, then leave it to the sweep.
RETRY = Retry(max=5, interval=[5, 15, 60, 180, 600])


def job_id(outbox_id: int) -> str:
    return f"outbox-{outbox_id}"


def enqueue_outbox(redis: Redis, outbox_id: int) -> None:
    """Enqueue the delivery job for one outbox row under its deterministic job id."""
    queue(NOTIFY_QUEUE, redis).enqueue(
        "jobs.notify.deliver_outbox_event",
        outbox_id,
        job_id=job_id(outbox_id),
        retry=RETRY,
        job_timeout=300,
        result_ttl=3600,
        failure_ttl=7 * 86400,
    )


def make_dispatcher(redis: Redis) -> Dispatcher:
    """The after-commit hook's target: enqueue each committed outbox row."""

    def dispatch(outbox_ids: list[int]) -> None:
        for outbox_id in outbox_ids:
            enqueue_outbox(redis, outbox_id)

    return dispatch


def _job_alive(redis: Redis, outbox_id: int) -> bool:
    try:
        status = Job.fetch(job_id(outbox_id), connection=redis).get_status(refresh=False)
    except NoSuchJobError:
        return False
    return str(getattr(status, "value", status)) in LIVE_STATES


def sweep_outbox(
    session: Session,
    redis: Redis,
    *,
    now: datetime,
    older_than: timedelta = timedelta(seconds=60),
    limit: int = 500,
) -> list[int]:
    """Re-dispatch open outbox rows whose job vanished (Redis down at commit, worker killed)."""
    rows = session.scalars(
        select(OutboxEvent.id)
        .where(
            OutboxEvent.state.in_(("pending", "dispatched")),
            OutboxEvent.created_at < now - older_than,
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    ).all()
    redispatched = []
    for outbox_id in rows:
        if not _job_alive(redis, outbox_id):
            enqueue_outbox(redis, outbox_id)
            redispatched.append(outbox_id)
    if redispatched:
        log.info("outbox sweep re-dispatched", extra={"ctx": {"count": len(redispatched)}})
    return redispatched
