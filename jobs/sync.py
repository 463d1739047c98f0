"""Pull the EHR's change feed: the periodic job and `flask ehr sync` share `iter_pull`.

Each page is applied and the cursor after it stored in one transaction, so a crash re-reads the
page it was in and never skips one; consecutive pages may share that transaction (a batch, see
`_PagePipeline._batches`). A Redis lock keeps two pulls (a scheduled one and a CLI one, or two
workers) from running at once.

Batches go through a pipeline (`_PagePipeline`): the next pages are fetched and validated while
one batch is applied and the one before it commits, on a second database connection.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from redis.exceptions import LockError
from sqlalchemy.orm import Session

from clients.ehr import EhrClient
from jobs import context
from jobs.process import bulk_gc
from services.ehr.reconcile import reconcile_absent_entities
from services.ehr.sync import (
    FEED_CURSOR,
    SUMMARY_KEYS,
    IngestResult,
    OpenPage,
    Outcome,
    begin_feed_page,
    commit_feed_page,
    concerned_entities,
    is_for_any,
    list_overdue_held_events,
    must_wait,
    parse_events,
    retry_held_events,
)
from storage import redis_keys
from storage.ehr_log import get_cursor
from storage.runtime import Runtime

log = logging.getLogger(__name__)
LOCK_SECONDS = 600


pull_lock_key = redis_keys.ehr_pull_lock
last_pull_key = redis_keys.ehr_pull_last_success


class PullAlreadyRunning(RuntimeError):
    """Another pull holds the lock; this one did nothing."""


@dataclass
class PullProgress:
    """Running totals, yielded after every durable batch of pages."""

    pages: int = 0
    # Pages go in one transaction each, or several together (see `_PagePipeline._batches`).
    transactions: int = 0
    events: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    tombstoned: dict[str, int] = field(default_factory=dict)
    overdue_held: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        totals = {key: self.counts[key] for key in SUMMARY_KEYS}
        return {"pages": self.pages, "events": self.events, **totals}


def iter_pull(
    runtime: Runtime,
    *,
    full: bool = False,
    force: bool = False,
    client: EhrClient | None = None,
) -> Iterator[PullProgress]:
    """Read the feed to its end, yielding progress after each durable batch of pages; then
    retry held events."""
    settings = runtime.settings
    # Not thread-local: the reader thread renews it after every page it reads.
    lock = runtime.redis.lock(pull_lock_key(), timeout=LOCK_SECONDS, thread_local=False)
    if not lock.acquire(blocking=False):
        raise PullAlreadyRunning("another EHR pull is running")
    own_client = client is None
    client = client or EhrClient.from_settings(settings)
    # The lock is renewed after every page read, and again after every batch committed.
    pages = _PagePipeline(runtime, client, keep_alive=lock.reacquire)
    seen: dict[str, set[str]] = {}
    try:
        stored = get_cursor(pages.sessions[0], FEED_CURSOR)
        cursor = None if full or stored is None else stored.cursor
        pages.sessions[0].rollback()
        for events in pages.run(cursor):
            if full:
                _remember_seen(seen, events)
            lock.reacquire()
            yield pages.progress
        progress = pages.progress
        now = datetime.now(UTC)
        _finish(runtime, pages.sessions[0], progress, seen if full else None, force=force, now=now)
        runtime.redis.set(last_pull_key(), now.isoformat())
        yield progress
    finally:
        pages.close()
        if own_client:
            client.close()
        try:
            lock.release()
        except LockError:
            log.warning("EHR pull lock expired before release")


@dataclass
class _Batch:
    """Consecutive feed pages applied and committed together, with the cursor after the last."""

    events: list[Any] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    next_cursor: str | None = None
    pages: int = 0
    # The entities its events are for, and the parents they refer to.
    concerned: set[tuple[str, str]] = field(default_factory=set)

    def add(self, events: list[Any], outcomes: list[Outcome], next_cursor: str | None) -> None:
        self.events += events
        self.outcomes += outcomes
        self.next_cursor = next_cursor
        self.pages += 1
        self.concerned |= concerned_entities(outcomes)


class _PagePipeline:
    """Fetches, applies and commits feed pages in batches, three stages at once, in order.

    Pages ahead, the next pages are fetched and validated (only reads happen ahead). Two
    sessions are used in turn: batch N+1 is applied in one while batch N's history, outbox and
    cursor are written and committed in the other by the committer thread. Batch N+1 commits
    only after batch N did and is rolled back if batch N failed, so the cursor never passes a
    page that is not durable. On SQLite, which has one writer at a time, each batch commits
    before the next one begins.
    """

    def __init__(
        self, runtime: Runtime, client: EhrClient, *, keep_alive: Callable[[], object]
    ) -> None:
        self.client = client
        # Called by the reader after every page read (a batch may take many pages before anything
        # commits); there, its round trip to Redis is off the path that applies the batches.
        self._keep_alive = keep_alive
        self._overlap = runtime.engine.dialect.name != "sqlite"
        self.limit = runtime.settings.EHR_PULL_PAGE_SIZE
        self.transaction_events = runtime.settings.EHR_PULL_TRANSACTION_EVENTS
        self.sessions = (runtime.session_factory(), runtime.session_factory())
        self.progress = PullProgress()
        self._reader: _Reader | None = None
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ehr-pull-commit")
        # The batch being committed, with its result to come.
        self._committing: tuple[Future[IngestResult], _Batch] | None = None

    def run(self, cursor: str | None) -> Iterator[list[Any]]:
        """Yield each batch's events once the batch is durable (`progress` counts it)."""
        previous: OpenPage | None = None
        begun = 0
        try:
            for batch in self._batches(cursor):
                if previous is not None and must_wait(batch.outcomes, previous):
                    # Events for what the open batch holds: this one goes after it, not beside.
                    yield self._wait()
                    previous = None
                # This session's last batch was committed (or failed) before `previous` began.
                current = begin_feed_page(
                    self.sessions[begun % 2],
                    batch.events,
                    next_cursor=batch.next_cursor,
                    received_at=datetime.now(UTC),
                    outcomes=batch.outcomes,
                    after=previous,
                )
                begun += 1
                if self._committing is not None:
                    yield self._wait(dropping=current)
                self._committing = (self._committer.submit(commit_feed_page, current), batch)
                if self._overlap:
                    previous = current
                else:
                    yield self._wait()
        except Exception:
            # The batch before the failure still lands (or fails) and is reported as such.
            if self._committing is not None:
                yield self._wait()
            raise
        if self._committing is not None:
            yield self._wait()

    def _batches(self, cursor: str | None) -> Iterator[_Batch]:
        """The feed's pages, fetched ahead, as the batches to apply, each in one transaction.

        A page joins the batch before it while that batch has fewer than
        `EHR_PULL_TRANSACTION_EVENTS` events: an EHR may serve small pages, and each transaction
        has a fixed cost (about a dozen statements and a commit). Beyond that, a page still joins
        (if the batch stays within twice as many events) when it has events for the batch's
        entities or for the parents its events refer to: apart, it could not go beside the batch
        (`must_wait`) and would wait for its commit with nothing overlapped. Feeds are in change
        order, so an entity's next change is often on the next page. A fetch that fails is raised
        after the batch read before it, so that batch still lands; a lost lock is raised at once.
        """
        # Enough pages read ahead for the next batch: its pages are then at hand when it begins.
        depth = min(64, max(2, -(-2 * self.transaction_events // self.limit)))
        self._reader = reader = _Reader(
            self.client, cursor, self.limit, depth=depth, keep_alive=self._keep_alive
        )
        batch: _Batch | None = None
        while True:
            try:
                events, outcomes, next_cursor, more = reader.next()
            except LockError:
                # The lock was lost (it expired, and another pull may own the feed now): the
                # batch in hand is dropped, not committed beside that pull.
                raise
            except Exception:
                if batch is not None:
                    yield batch
                raise
            joins = batch is not None and (
                len(batch.events) < self.transaction_events
                or (
                    len(batch.events) + len(events) <= 2 * self.transaction_events
                    and is_for_any(outcomes, batch.concerned)
                )
            )
            if batch is not None and not joins:
                yield batch
                batch = None
            if batch is None:
                batch = _Batch()
            batch.add(events, outcomes, next_cursor)
            if not more:
                yield batch
                return

    def _wait(self, *, dropping: OpenPage | None = None) -> list[Any]:
        """Wait for the batch being committed and count it; if it failed, drop the next one."""
        assert self._committing is not None
        future, batch = self._committing
        self._committing = None
        try:
            result = future.result()
        except BaseException:
            if dropping is not None:
                dropping.session.rollback()
            raise
        self.progress.pages += batch.pages
        self.progress.transactions += 1
        self.progress.events += len(batch.events)
        self.progress.counts.update(result.summary())
        return batch.events

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        # A page being committed finishes (durable or rolled back) before its session closes.
        self._committer.shutdown(wait=True)
        for session in self.sessions:
            session.close()


def _finish(
    runtime: Runtime,
    session: Session,
    progress: PullProgress,
    seen: dict[str, set[str]] | None,
    *,
    force: bool,
    now: datetime,
) -> None:
    """After the last page: retry held events, report overdue ones, sweep on a full pull."""
    settings = runtime.settings
    progress.counts.update(retry_held_events(session, now=now))
    overdue = list_overdue_held_events(
        session, now=now, older_than_seconds=settings.EHR_HELD_MAX_AGE_SECONDS
    )
    progress.overdue_held = [h.event_id for h in overdue]
    if overdue:
        log.warning(
            "EHR events held longer than allowed",
            extra={"ctx": {"count": len(overdue), "event_ids": progress.overdue_held[:20]}},
        )
    if seen is not None:
        progress.tombstoned = reconcile_absent_entities(
            session,
            seen,
            max_share=settings.EHR_RECONCILE_MAX_TOMBSTONE_SHARE,
            force=force,
            now=now,
        )


class _Reader:
    """Reads the feed's pages in a thread of its own, up to `depth` pages ahead of their use.

    Only reads happen ahead: fetching and validating. After every page read, `keep_alive` is
    called (it renews the pull lock). A failed fetch, or a failed renewal, is handed over in its
    page's place and ends the reading.
    """

    def __init__(
        self,
        client: EhrClient,
        cursor: str | None,
        limit: int,
        *,
        depth: int,
        keep_alive: Callable[[], object],
    ) -> None:
        self._keep_alive = keep_alive
        self._queue: queue.Queue[_ReadPage | BaseException] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(client, cursor, limit), name="ehr-pull-ahead", daemon=True
        )
        self._thread.start()

    def next(self) -> _ReadPage:
        """The next page (its events judged, the cursor after it, whether more follow)."""
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop reading; a fetch under way ends first (it is bounded by the EHR timeout)."""
        self._stop.set()
        self._thread.join()

    def _run(self, client: EhrClient, cursor: str | None, limit: int) -> None:
        try:
            while not self._stop.is_set():
                page = client.fetch_changes(after=cursor, limit=limit)
                self._keep_alive()
                next_cursor = page.next_cursor or cursor
                more = page.has_more and next_cursor != cursor
                self._put(_ReadPage(page.events, parse_events(page.events), next_cursor, more))
                if not more:
                    return
                cursor = next_cursor
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(exc)

    def _put(self, item: _ReadPage | BaseException) -> None:
        # Waits while the consumer is behind; gives up once it stopped reading.
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


class _ReadPage(NamedTuple):
    events: list[Any]
    outcomes: list[Outcome]
    next_cursor: str | None
    more: bool


def _remember_seen(seen: dict[str, set[str]], events: list[object]) -> None:
    for event in events:
        if isinstance(event, dict) and isinstance(event.get("data"), dict):
            kind = str(event.get("type", "")).partition(".")[0]
            entity_id = event["data"].get("id")
            if isinstance(entity_id, str):
                seen.setdefault(kind, set()).add(entity_id)


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
