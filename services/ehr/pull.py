"""Pull the EHR's change feed into the cache, one transaction at a time on the caller's session.

Consecutive pages are applied in one transaction (a batch) with the cursor after the last of
them, so a crash re-reads the batch it was in and never skips a page (contract section 4). While
a batch is written, the next pages are fetched and validated by a reader thread
(`read_ahead.PageReader`), which touches no database. After the last page, held events are
retried and overdue ones reported; a full pull then tombstones what the feed no longer has.

The caller owns the session, the feed (the EHR client: services do no HTTP of their own) and the
pull lock, which it lets the pull renew through `keep_alive`: that callable raises once the lock
is lost, and the batch in hand is then dropped, never committed beside another pull.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings_ehr import EhrSyncSettings
from services.ehr.read_ahead import ChangeFeed, PageReader, ReadFailure, ReadPage
from services.ehr.reconcile import reconcile_absent_entities
from services.ehr.sync import (
    SUMMARY_KEYS,
    IngestResult,
    Outcome,
    ingest_batch,
    list_overdue_held_events,
    retry_held_events,
)
from services.ops import metrics
from storage.db import unit_of_work
from storage.ehr_log import get_cursor, save_cursor

log = logging.getLogger(__name__)
FEED_CURSOR = "ehr_feed"
# Pages read ahead at most, whatever the settings: each one is held in memory, parsed.
MAX_READ_AHEAD = 64


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class PullProgress:
    """Running totals, yielded after every durable batch of pages."""

    pages: int = 0
    # Pages go in one transaction each, or several together (see `_batches`).
    transactions: int = 0
    events: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    tombstoned: dict[str, int] = field(default_factory=dict)
    overdue_held: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        totals = {key: self.counts[key] for key in SUMMARY_KEYS}
        return {"pages": self.pages, "events": self.events, **totals}


@dataclass
class _Batch:
    """Consecutive feed pages applied and committed together, with the cursor after the last."""

    events: list[Any] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    next_cursor: str | None = None
    pages: int = 0

    def add(self, page: ReadPage) -> None:
        self.events += page.events
        self.outcomes += page.outcomes
        self.next_cursor = page.next_cursor
        self.pages += 1


def pull_changes(
    session: Session,
    feed: ChangeFeed,
    settings: EhrSyncSettings,
    *,
    keep_alive: Callable[[], object],
    full: bool = False,
    force: bool = False,
    clock: Callable[[], datetime] = _utcnow,
) -> Iterator[PullProgress]:
    """Read the feed to its end, yielding the totals after each durable batch of pages; then
    retry held events, and on a `full` pull (from the beginning) reconcile."""
    progress = PullProgress()
    seen: dict[str, set[str]] | None = {} if full else None
    limit, per_transaction = settings.EHR_PULL_PAGE_SIZE, settings.EHR_PULL_TRANSACTION_EVENTS
    # The next batch's pages, and one more, read while a batch is written.
    depth = min(MAX_READ_AHEAD, -(-per_transaction // limit) + 1)
    cursor = None if full else _stored_cursor(session)
    reader = PageReader(feed, cursor, limit=limit, depth=depth, keep_alive=keep_alive)
    try:
        for batch in _batches(reader, per_transaction):
            result = _apply_batch(session, batch, received_at=clock(), keep_alive=keep_alive)
            progress.pages += batch.pages
            progress.transactions += 1
            progress.events += len(batch.events)
            progress.counts.update(result.summary())
            if seen is not None:
                _remember_seen(seen, batch.events)
            yield progress
    finally:
        reader.close()
    _finish(session, progress, seen, settings=settings, force=force, now=clock())
    yield progress


def _stored_cursor(session: Session) -> str | None:
    with unit_of_work(session):
        stored = get_cursor(session, FEED_CURSOR)
        return None if stored is None else stored.cursor


def _batches(reader: PageReader, per_transaction: int) -> Iterator[_Batch]:
    """The feed's pages as the batches to apply, each in one transaction.

    A page joins the batch before it while that batch has fewer than `per_transaction` events:
    an EHR may serve small pages, and each transaction has a fixed cost (about a dozen
    statements and a commit). A fetch that fails is raised after the pages read before it were
    yielded, so they still land; a lost lock is raised at once, and the batch in hand dropped.
    """
    batch = _Batch()
    while True:
        page = reader.next()
        if isinstance(page, ReadFailure):
            if batch.pages and not page.lost_lock:
                yield batch
            raise page.error
        batch.add(page)
        if len(batch.events) >= per_transaction or not page.more:
            yield batch
            batch = _Batch()
        if not page.more:
            return


def _apply_batch(
    session: Session,
    batch: _Batch,
    *,
    received_at: datetime,
    keep_alive: Callable[[], object],
) -> IngestResult:
    """Apply a batch's pages and store the cursor after its last one, in one transaction."""
    with unit_of_work(session):
        result = ingest_batch(
            session,
            batch.events,
            source="pull",
            received_at=received_at,
            outcomes=batch.outcomes,
        )
        status = f"ok at {received_at.isoformat()}: " + ", ".join(
            f"{k}={v}" for k, v in result.summary().items()
        )
        save_cursor(session, FEED_CURSOR, batch.next_cursor, status=status)
        # Last thing before the commit: a lock lost while the batch was written (it expired,
        # and another pull may own the feed now) rolls the batch back instead.
        keep_alive()
    metrics.ehr_events_counted("pull", result.summary())
    return result


def _finish(
    session: Session,
    progress: PullProgress,
    seen: dict[str, set[str]] | None,
    *,
    settings: EhrSyncSettings,
    force: bool,
    now: datetime,
) -> None:
    """After the last page: retry held events, report overdue ones, sweep on a full pull."""
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


def _remember_seen(seen: dict[str, set[str]], events: list[object]) -> None:
    for event in events:
        if isinstance(event, dict) and isinstance(event.get("data"), dict):
            kind = str(event.get("type", "")).partition(".")[0]
            entity_id = event["data"].get("id")
            if isinstance(entity_id, str):
                seen.setdefault(kind, set()).add(entity_id)
