"""Pull the EHR's change feed: the periodic job, and `iter_pull`, which `flask ehr sync` shares.

The pull itself is `services.ehr.pull.pull_changes`. Here it gets what a service may not build:
the EHR client, a session of its own, and a Redis lock that keeps two pulls (a scheduled one and
a CLI one, or two workers) from running at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from redis.exceptions import LockError

from clients.dingtalk import make_dingtalk_client
from clients.ehr import EhrClient
from jobs import context
from jobs.process import bulk_gc
from services.ehr.pull import PullProgress, pull_changes
from services.ehr.read_ahead import ChangeFeed
from storage import redis_keys
from storage.runtime import Runtime

log = logging.getLogger(__name__)
LOCK_SECONDS = 600

pull_lock_key = redis_keys.ehr_pull_lock
last_pull_key = redis_keys.ehr_pull_last_success

__all__ = ["PullAlreadyRunning", "PullProgress", "iter_pull", "pull_ehr_changes", "run_pull"]


class PullAlreadyRunning(RuntimeError):
    """Another pull holds the lock; this one did nothing."""


def iter_pull(
    runtime: Runtime,
    *,
    full: bool = False,
    force: bool = False,
    client: ChangeFeed | None = None,
) -> Iterator[PullProgress]:
    """Pull the feed to its end under the pull lock, yielding progress after each durable
    batch of pages, and once more after held events were retried."""
    # Not thread-local: the pull's reader thread renews it too, after every page it reads.
    lock = runtime.redis.lock(pull_lock_key(), timeout=LOCK_SECONDS, thread_local=False)
    if not lock.acquire(blocking=False):
        raise PullAlreadyRunning("another EHR pull is running")
    own_client: EhrClient | None = None
    if client is None:
        client = _source_feed(runtime)
        own_client = client if isinstance(client, EhrClient) else None
    session = runtime.session_factory()
    try:
        yield from pull_changes(
            session,
            client,
            runtime.settings,
            keep_alive=lock.reacquire,
            full=full,
            force=force,
        )
        runtime.redis.set(last_pull_key(), datetime.now(UTC).isoformat())
    finally:
        session.close()
        if own_client is not None:
            own_client.close()
        try:
            lock.release()
        except LockError:
            log.warning("EHR pull lock expired before release")


def _source_feed(runtime: Runtime) -> ChangeFeed:
    """The feed EHR_SOURCE names: the EHR's change feed, or DingTalk's recruiting module."""
    settings = runtime.settings
    if settings.EHR_SOURCE == "dingtalk_ats":
        dingtalk = make_dingtalk_client(settings, runtime.redis)
        return dingtalk.ats_feed(settings.require("DINGTALK_ATS_OP_USER_ID"))
    return EhrClient.from_settings(settings)


def run_pull(runtime: Runtime, *, full: bool = False, force: bool = False) -> PullProgress:
    """Run a whole pull and return its final totals."""
    final = PullProgress()
    # Tuned for the whole pull (a bulk job); `flask ehr sync` does the same.
    with bulk_gc():
        for progress in iter_pull(runtime, full=full, force=force):
            final = progress
    return final


def pull_ehr_changes(full: bool = False, force: bool = False) -> dict[str, int]:
    """Job: pull the change feed unless the last pull is more recent than the interval."""
    runtime = context.current().runtime
    last = runtime.redis.get(last_pull_key())
    if last is not None and not full:
        age = datetime.now(UTC) - datetime.fromisoformat(
            last.decode() if isinstance(last, bytes) else last
        )
        if age.total_seconds() < runtime.settings.EHR_PULL_INTERVAL_SECONDS:
            return {"skipped": 1}
    try:
        summary = run_pull(runtime, full=full, force=force).summary()
    except PullAlreadyRunning:
        log.info("EHR pull skipped: another pull is running")
        return {"skipped": 1}
    log.info("EHR pull done", extra={"ctx": summary})
    return summary
