"""Use cases of the EHR sync: ingest a pushed batch or a pulled page, retry held events.

Each public function is one unit of work. `ingest_events` is what the webhook calls: it validates
every event on its own (dead-lettering the invalid ones with the reason), records the new ones in
`ehr_event` (the dedupe key is the event id), applies them and commits, all before the webhook
answers 200. The pull calls `begin_feed_page` and then `commit_feed_page`, which also stores the
cursor in that transaction: the two halves let consecutive batches of pages overlap.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from services.ehr.apply import Applier, Handover, WorkItem
from services.ehr.contract import (
    MAX_BATCH_EVENTS,
    PARENT_REFS,
    ParsedEvent,
    Rejection,
    parse_event,
)
from services.errors import InvalidInput
from storage.db import unit_of_work
from storage.ehr_cache import existing_ids
from storage.ehr_log import (
    add_dead_letters,
    insert_new_events,
    list_held,
    save_cursor,
)
from storage.safe_input import is_clean, problem_of, storable

log = logging.getLogger(__name__)
FEED_CURSOR = "ehr_feed"
SUMMARY_KEYS = ("applied", "stale", "duplicate", "rejected", "held", "released", "outbox")


@dataclass
class IngestResult:
    """What became of a batch: the webhook's answer plus counts for the pull's summary."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def answer(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}

    def summary(self) -> dict[str, int]:
        counts = Counter(self.counts)
        counts["duplicate"] = len(self.duplicates)
        counts["rejected"] = len(self.rejected)
        return {key: counts[key] for key in SUMMARY_KEYS}


def check_batch(payload: Any) -> list[Any]:
    """The batch-level rules of contract section 3: an object with 1 to 500 events."""
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise InvalidInput("the body must be a JSON object with an `events` list")
    events: list[Any] = payload["events"]
    if not 1 <= len(events) <= MAX_BATCH_EVENTS:
        raise InvalidInput(f"a batch holds 1 to {MAX_BATCH_EVENTS} events, got {len(events)}")
    return events


def _event_row(event: ParsedEvent, source: str, received_at: datetime) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "entity_kind": event.kind,
        "entity_id": event.entity_id,
        "version": event.version,
        "occurred_at": event.occurred_at,
        "received_at": received_at,
        "source": source,
        # Provisional: the applier updates the few that end stale or held.
        "state": "applied",
        "waiting_for_kind": None,
        "waiting_for_id": None,
        "applied_at": received_at,
        "payload": event.raw,
    }


Outcome = ParsedEvent | Rejection


def parse_events(raw_events: Sequence[Any]) -> list[Outcome]:
    """Judge each event of a batch on its own (no database): the pull does it ahead of time.

    An event holding what the database cannot store (NUL, a lone surrogate, a number beyond
    64 bits, nesting beyond `MAX_NESTING`), in any field, known or not, its id or its type, is
    rejected on its own, and kept in a form every database accepts. One C-speed pass over the
    batch (`is_clean`) spares the look at each event in the usual case.
    """
    events = list(raw_events)
    if is_clean(events):
        return [parse_event(raw) for raw in events]
    return [_screened(raw) for raw in events]


def _screened(raw: Any) -> Outcome:
    problem = problem_of(raw, where="event")
    if problem is None:
        return parse_event(raw)
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    usable_id = isinstance(raw_id, str) and 0 < len(raw_id) <= 128 and problem_of(raw_id) is None
    # Marked, so that a replay of the dead letter is rejected again rather than applying the
    # escaped copy as if the EHR had sent it.
    kept = {"unstorable": problem[:1000], "event": storable(raw)}
    return Rejection(raw_id if usable_id else None, problem[:1000], kept)


def ingest_batch(
    session: Session,
    raw_events: Sequence[Any],
    *,
    source: str,
    received_at: datetime,
    dead_letter: bool = True,
) -> IngestResult:
    """Validate, dedupe and apply a batch inside the caller's transaction (no commit)."""
    result, applier = _apply_batch(
        session, raw_events, source=source, received_at=received_at, dead_letter=dead_letter
    )
    result.counts.update(applier.finish())
    return result


def _apply_batch(
    session: Session,
    raw_events: Sequence[Any],
    *,
    source: str,
    received_at: datetime,
    dead_letter: bool = True,
    outcomes: Sequence[Outcome] | None = None,
    after: Handover | None = None,
) -> tuple[IngestResult, Applier]:
    """The first half of `ingest_batch`: the events recorded, the entities written; the
    applier's `finish` writes the rest. `outcomes` are `parse_events(raw_events)` when the
    caller has them already (the pull validates pages ahead)."""
    result = IngestResult()
    parsed: list[ParsedEvent] = []
    dead: list[dict[str, Any]] = []
    seen: set[str] = set()
    if outcomes is None:
        outcomes = parse_events(raw_events)
    for outcome in outcomes:
        if isinstance(outcome, Rejection):
            result.rejected.append({"id": outcome.event_id, "error": outcome.reason})
            dead.append(
                {
                    "event_id": outcome.event_id,
                    "source": source,
                    "reason": outcome.reason,
                    "raw": outcome.raw,
                    "received_at": received_at,
                }
            )
        elif outcome.id in seen:
            result.duplicates.append(outcome.id)
        else:
            seen.add(outcome.id)
            parsed.append(outcome)
    if dead_letter:
        add_dead_letters(session, dead)
    new_ids = insert_new_events(session, [_event_row(e, source, received_at) for e in parsed])
    fresh = [e for e in parsed if e.id in new_ids]
    result.duplicates.extend(e.id for e in parsed if e.id not in new_ids)
    result.accepted.extend(e.id for e in fresh)
    items = [WorkItem(e, source, received_at) for e in fresh]
    applier = Applier(session, received_at, after=after)
    applier.apply(items)
    if dead:
        log.warning(
            "EHR events rejected",
            extra={"ctx": {"source": source, "event_ids": [d["event_id"] for d in dead]}},
        )
    return result, applier


def ingest_events(
    session: Session, raw_events: Sequence[Any], *, source: str, received_at: datetime
) -> IngestResult:
    """Validate, dedupe and apply one batch of events in one transaction."""
    with unit_of_work(session):
        return ingest_batch(session, raw_events, source=source, received_at=received_at)


@dataclass
class OpenPage:
    """A change-feed page applied in its session's transaction and not committed yet."""

    session: Session
    result: IngestResult
    applier: Applier
    next_cursor: str | None
    received_at: datetime
    cursor_name: str


def begin_feed_page(
    session: Session,
    raw_events: Sequence[Any],
    *,
    next_cursor: str | None,
    received_at: datetime,
    cursor_name: str = FEED_CURSOR,
    outcomes: Sequence[Outcome] | None = None,
    after: OpenPage | None = None,
) -> OpenPage:
    """Record and apply a page's events in `session`'s transaction, without committing.

    `after` is the previous page when it is still open in another session (and `must_wait`
    said this page need not wait for it): this page then counts the entities it created as
    existing, so it must be committed first, and this one dropped (rolled back) if that fails.
    """
    try:
        result, applier = _apply_batch(
            session,
            raw_events,
            source="pull",
            received_at=received_at,
            outcomes=outcomes,
            after=after.applier.handover if after is not None else None,
        )
    except BaseException:
        session.rollback()
        raise
    return OpenPage(session, result, applier, next_cursor, received_at, cursor_name)


def is_for_any(outcomes: Sequence[Outcome], entities: AbstractSet[tuple[str, str]]) -> bool:
    """Whether any of these events is for one of `entities` ((kind, id) pairs)."""
    return any(
        isinstance(outcome, ParsedEvent) and (outcome.kind, outcome.entity_id) in entities
        for outcome in outcomes
    )


def must_wait(outcomes: Sequence[Outcome], page: OpenPage) -> bool:
    """Whether a page with these events may begin only after `page`, still open, committed:
    it has events for entities `page` locked or inserted, or that `page`'s held events wait for.
    Beside it, such a page would wait on its locks, or miss what it holds."""
    handover = page.applier.handover
    return handover is None or is_for_any(outcomes, handover.claimed)


def concerned_entities(outcomes: Sequence[Outcome]) -> set[tuple[str, str]]:
    """(kind, id) of the entities these events are for, and of the parents they refer to."""
    concerned: set[tuple[str, str]] = set()
    for outcome in outcomes:
        if isinstance(outcome, ParsedEvent):
            concerned.add((outcome.kind, outcome.entity_id))
            for parent_kind, ref in PARENT_REFS.get(outcome.kind, ()):
                if outcome.fields.get(ref) is not None:
                    concerned.add((parent_kind, outcome.fields[ref]))
    return concerned


def commit_feed_page(page: OpenPage) -> IngestResult:
    """Write the page's history, outbox and cursor, and commit: the page is durable."""
    with unit_of_work(page.session):
        page.result.counts.update(page.applier.finish())
        status = f"ok at {page.received_at.isoformat()}: " + ", ".join(
            f"{k}={v}" for k, v in page.result.summary().items()
        )
        save_cursor(page.session, page.cursor_name, page.next_cursor, status=status)
    return page.result


def retry_held_events(session: Session, *, now: datetime, limit: int = 5000) -> Counter[str]:
    """Re-apply held events whose awaited entity is cached now (a safety net for races)."""
    with unit_of_work(session):
        held = list_held(session, limit=limit)
        ready: list[WorkItem] = []
        by_kind: dict[str, set[str]] = {}
        for row in held:
            if row.waiting_for_kind and row.waiting_for_id:
                by_kind.setdefault(row.waiting_for_kind, set()).add(row.waiting_for_id)
        present = {k: existing_ids(session, k, ids) for k, ids in by_kind.items()}
        for row in held:
            if row.waiting_for_id in present.get(row.waiting_for_kind or "", set()):
                event = parse_event(row.payload)
                if isinstance(event, ParsedEvent):
                    ready.append(WorkItem(event, row.source, row.received_at, held=True))
        counts = Applier(session, now).run(ready) if ready else Counter()
        counts["released"] += len(ready)
    return counts


@dataclass(frozen=True)
class HeldReport:
    event_id: str
    entity_kind: str
    entity_id: str
    waiting_for: str
    received_at: datetime


def list_overdue_held_events(
    session: Session, *, now: datetime, older_than_seconds: float
) -> list[HeldReport]:
    """Held events received more than `older_than_seconds` ago (ids only, for reports)."""
    cutoff = now - timedelta(seconds=older_than_seconds)
    return [
        HeldReport(
            row.id,
            row.entity_kind,
            row.entity_id,
            f"{row.waiting_for_kind}:{row.waiting_for_id}",
            row.received_at,
        )
        for row in list_held(session, received_before=cutoff)
    ]
