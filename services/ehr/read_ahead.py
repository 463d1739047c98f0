"""The change feed's pages, fetched and validated ahead of their use in a thread of their own.

Only reads happen ahead (HTTP and `parse_events`, no database), so that the next pages are at
hand when the batch being written commits. The feed is whatever the caller passes: services
do no HTTP of their own, so it is typed by what the pull uses of it (`ChangeFeed`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from services.ehr.sync import Outcome, parse_events


class ChangeFeedPage(Protocol):
    """One page of the EHR's change feed (contract section 4)."""

    @property
    def events(self) -> list[Any]: ...

    @property
    def next_cursor(self) -> str | None: ...

    @property
    def has_more(self) -> bool: ...


class ChangeFeed(Protocol):
    """The EHR's change feed, as the pull reads it (`clients.ehr.EhrClient` is one)."""

    def fetch_changes(self, *, after: str | None, limit: int) -> ChangeFeedPage: ...


class ReadPage(NamedTuple):
    """A page read: its events as sent and judged, the cursor after it, whether more follow."""

    events: list[Any]
    outcomes: list[Outcome]
    next_cursor: str | None
    more: bool


class ReadFailure(NamedTuple):
    """What ended the reading, handed over in the place of the page it stopped at."""

    error: BaseException
    # The renewal of the pull lock failed (not the fetch): another pull may own the feed now.
    lost_lock: bool


class PageReader:
    """Reads the feed from `cursor` to its end, up to `depth` pages ahead of their use.

    After every page read, `keep_alive` is called (it renews the pull lock): a batch may take
    many pages before anything commits, and here its round trip is off the writing thread.
    """

    def __init__(
        self,
        feed: ChangeFeed,
        cursor: str | None,
        *,
        limit: int,
        depth: int,
        keep_alive: Callable[[], object],
    ) -> None:
        self._feed, self._limit, self._keep_alive = feed, limit, keep_alive
        self._queue: queue.Queue[ReadPage | ReadFailure] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(cursor,), name="ehr-pull-ahead", daemon=True
        )
        self._thread.start()

    def next(self) -> ReadPage | ReadFailure:
        """The next page, or what ended the reading (nothing follows a failure)."""
        return self._queue.get()

    def close(self) -> None:
        """Stop reading; a fetch under way ends first (it is bounded by the EHR timeout)."""
        self._stop.set()
        self._thread.join()

    def _run(self, cursor: str | None) -> None:
        while not self._stop.is_set():
            try:
                page = self._feed.fetch_changes(after=cursor, limit=self._limit)
                read = _judged(page, cursor)
            except BaseException as exc:  # handed to the pull, which raises it
                self._put(ReadFailure(exc, lost_lock=False))
                return
            try:
                self._keep_alive()
            except BaseException as exc:
                self._put(ReadFailure(exc, lost_lock=True))
                return
            self._put(read)
            if not read.more:
                return
            cursor = read.next_cursor

    def _put(self, item: ReadPage | ReadFailure) -> None:
        # Waits while the pull is behind; gives up once it stopped reading.
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


def _judged(page: ChangeFeedPage, cursor: str | None) -> ReadPage:
    next_cursor = page.next_cursor or cursor
    # A feed that says "more" without moving its cursor would be read forever.
    more = page.has_more and next_cursor != cursor
    return ReadPage(page.events, parse_events(page.events), next_cursor, more)
