"""What `/metrics` reads from Redis at scrape time: RQ's queues and failed jobs, the pull's last
success. Read when scraped rather than counted, so every web worker answers the same."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from redis import Redis
from rq.registry import FailedJobRegistry

from config.settings_ops import METRICS_PREFIX as PREFIX
from jobs.queues import ALL_QUEUES, queue
from services.ops.metrics import gauge
from storage import redis_keys


def queue_families(redis: Redis) -> list[GaugeMetricFamily]:
    """Jobs waiting and jobs failed, per RQ queue (the queue names are a fixed set)."""
    depth = GaugeMetricFamily(
        f"{PREFIX}_rq_queue_jobs", "Jobs waiting in each RQ queue", labels=["queue"]
    )
    failed = GaugeMetricFamily(
        f"{PREFIX}_rq_failed_jobs", "Jobs in each RQ queue's failed-job registry", labels=["queue"]
    )
    for name in ALL_QUEUES:
        q = queue(name, redis)
        depth.add_metric([name], q.count)
        failed.add_metric([name], FailedJobRegistry(queue=q).count)
    return [depth, failed]


def pull_families(redis: Redis, *, now: datetime) -> list[GaugeMetricFamily]:
    """The EHR pull's last success (Unix time) and how long ago it was; absent before the first."""
    raw = redis.get(redis_keys.ehr_pull_last_success())
    if raw is None:
        return []
    last = datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else str(raw))
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return [
        gauge(
            "ehr_pull_last_success_timestamp_seconds",
            "When the EHR change-feed pull last read the feed to its end",
            last.timestamp(),
        ),
        gauge(
            "ehr_pull_lag_seconds",
            "Seconds since the EHR pull last read the feed to its end",
            max(0.0, (now - last).total_seconds()),
        ),
    ]
