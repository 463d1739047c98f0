"""The operations page's view into Redis: RQ's queues and failed jobs, the DingTalk token cache.

It implements services/ops/status.py's `OpsProbe`: services import no RQ, so this layer,
where every queue is already named (jobs/queues.py), reads RQ's registries for them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from redis import Redis
from rq.job import Job
from rq.registry import FailedJobRegistry

from jobs.dispatch import consumed_kinds
from jobs.queues import ALL_QUEUES, queue
from services.errors import NotFound
from services.ops.status import FailedJob, QueueState, TokenState
from storage import redis_keys
from storage.runtime import Runtime

# Failed jobs listed per queue (newest first); the count is always the whole registry's.
FAILED_SAMPLE = 20


def _error_type(job: Job) -> str | None:
    # The last line of the traceback is "Type: message"; the message may quote data the job
    # read, so only the type is shown.
    result = job.latest_result()
    text = result.exc_string if result is not None else None
    if not text:
        return None
    last = text.strip().splitlines()[-1]
    return last.split(":", 1)[0].strip()[:120] or None


class RqProbe:
    """`OpsProbe` over the app's Redis."""

    def __init__(self, redis: Redis, *, app_key: str | None) -> None:
        self._redis = redis
        self._app_key = app_key

    def _registry(self, name: str) -> FailedJobRegistry:
        if name not in ALL_QUEUES:
            raise NotFound(f"no queue named {name[:64]}")
        return FailedJobRegistry(queue=queue(name, self._redis))

    def queues(self) -> list[QueueState]:
        """Every queue's depth and failed jobs (a sample of the newest)."""
        states = []
        for name in ALL_QUEUES:
            registry = self._registry(name)
            ids = registry.get_job_ids(0, FAILED_SAMPLE - 1, desc=True)
            jobs = [j for j in Job.fetch_many(ids, connection=self._redis) if j is not None]
            failed = [FailedJob(j.id, name, j.func_name, _error_type(j), j.ended_at) for j in jobs]
            states.append(QueueState(name, queue(name, self._redis).count, registry.count, failed))
        return states

    def requeue_failed(self, queue_name: str, job_ids: Sequence[str] | None) -> list[str]:
        """Requeue these failed jobs of `queue_name` (all when None); NotFound names the unknown."""
        registry = self._registry(queue_name)
        present = registry.get_job_ids()
        if job_ids is None:
            chosen = present
        else:
            missing = sorted(set(job_ids) - set(present))
            if missing:
                shown = ", ".join(m[:64] for m in missing[:5])
                raise NotFound(f"no failed job {shown} on queue {queue_name}")
            chosen = list(dict.fromkeys(job_ids))
        for job_id in chosen:
            registry.requeue(job_id)
        return chosen

    def outbox_kinds(self) -> Collection[str]:
        """The outbox kinds a job consumes: the others stay pending as the record."""
        return consumed_kinds()

    def token(self) -> TokenState:
        """Whether the shared DingTalk token is cached, and for how long still."""
        if not self._app_key:
            return TokenState(False, None)
        ttl = int(self._redis.ttl(redis_keys.dingtalk_token(self._app_key)))
        # -2: no such key; -1: a key without expiry (never written so by TokenCache).
        if ttl == -2:
            return TokenState(False, None)
        return TokenState(True, None if ttl < 0 else ttl)


def make_probe(runtime: Runtime) -> RqProbe:
    """The probe over a process's runtime (the web app's, or the CLI's)."""
    return RqProbe(runtime.redis, app_key=runtime.settings.DINGTALK_APP_KEY)
