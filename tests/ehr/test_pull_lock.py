"""The pull lock: renewed while pages are read ahead, and a pull that lost it commits nothing more.

Only one pull may write the feed's cursor at a time. The lock is renewed after every page read
and just before every commit; a pull that finds it lost drops the batch in hand.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from redis.exceptions import LockNotOwnedError
from sqlalchemy import text

from clients.ehr import FeedPage
from jobs.sync import iter_pull, pull_lock_key
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory, EhrEvent
from tests.ehr.conftest import (
    Db,
    FixedFeed,
    inserting_events_waits,
    org_events,
    stored_cursor,
    with_settings,
)
from tests.support.servers import wait_until


class _LockWatchingFeed(FixedFeed):
    """Cuts the pull lock's time to live at every fetch, and before the next fetch waits until
    the pull has renewed it: the pull has pages in hand (read ahead), so a renewal after every
    page read comes; one only after a commit would not, and the wait would time out."""

    CUT_MS = 60_000

    def __init__(self, pages: list[list[dict[str, Any]]], runtime: Runtime) -> None:
        super().__init__(pages)
        self.redis = runtime.redis
        self.fetches = 0

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        if after is not None:
            wait_until(lambda: self.redis.pttl(pull_lock_key()) > self.CUT_MS, timeout=10)
        self.redis.pexpire(pull_lock_key(), self.CUT_MS)
        self.fetches += 1
        return super().fetch_changes(after=after, limit=limit)


def test_the_pull_lock_is_renewed_after_every_page_read(sync_runtime: Runtime) -> None:
    # Many pages go into one transaction: the lock must not expire before it commits.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=1000)
    feed = _LockWatchingFeed([[e] for e in org_events()] * 3, sync_runtime)
    progress = list(iter_pull(sync_runtime, client=feed))  # type: ignore[arg-type]
    assert progress[0].transactions == 1 and progress[0].pages == 12
    assert feed.fetches == 12


class _StealingFeed(FixedFeed):
    """While the page after `steal_at` events is fetched, another pull takes the lock (as if
    this pull's had expired)."""

    def __init__(self, pages: list[list[dict[str, Any]]], runtime: Runtime, steal_at: int) -> None:
        super().__init__(pages)
        self.redis, self.steal_at = runtime.redis, steal_at

    def fetch_changes(self, *, after: str | None, limit: int) -> FeedPage:
        if (int(after.removeprefix("c-")) if after else 0) == self.steal_at:
            self.redis.set(pull_lock_key(), "another-pull")
        return super().fetch_changes(after=after, limit=limit)


def test_a_pull_that_lost_its_lock_commits_nothing_more(sync_runtime: Runtime, db: Db) -> None:
    # All pages would go into one transaction; the lock is lost while the third is read.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=1000)
    feed = _StealingFeed([[e] for e in org_events()], sync_runtime, steal_at=2)
    with pytest.raises(LockNotOwnedError):
        list(iter_pull(sync_runtime, client=feed))  # type: ignore[arg-type]
    assert sync_runtime.redis.get(pull_lock_key()) == b"another-pull"
    assert stored_cursor(sync_runtime) is None
    assert db.count(EhrEvent) == 0


def test_a_lock_lost_while_a_batch_is_written_drops_that_batch(
    sync_runtime: Runtime, db: Db
) -> None:
    # Every page read (and the lock renewed after each) before the batch is written; the lock
    # is lost while the batch waits in the database, so only the renewal before its commit
    # can tell.
    sync_runtime = with_settings(sync_runtime, EHR_PULL_TRANSACTION_EVENTS=1000)
    events = org_events()
    failures: list[BaseException] = []

    def pull() -> None:
        try:
            list(iter_pull(sync_runtime, client=FixedFeed([[e] for e in events])))  # type: ignore[arg-type]
        except BaseException as exc:  # asserted below
            failures.append(exc)

    with sync_runtime.engine.connect() as holder:
        # Another transaction inserting one of the batch's event ids: the batch waits for it.
        holder.execute(
            text(
                "INSERT INTO ehr_event (id, type, entity_kind, entity_id, version, occurred_at,"
                " received_at, source, state, payload) VALUES (:id, 'x', 'x', 'x', 0, now(),"
                " now(), 'push', 'held', '{}')"
            ),
            {"id": events[-1]["id"]},
        )
        thread = threading.Thread(target=pull)
        thread.start()
        wait_until(lambda: inserting_events_waits(sync_runtime.engine), timeout=30)
        sync_runtime.redis.set(pull_lock_key(), "another-pull")
        holder.rollback()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert [type(f) for f in failures] == [LockNotOwnedError]
    assert sync_runtime.redis.get(pull_lock_key()) == b"another-pull"
    assert stored_cursor(sync_runtime) is None
    assert db.count(EhrEvent) == 0 and db.count(ChangeHistory) == 0
