"""Use cases of the EHR sync: ingest a pushed batch or a pulled batch of pages, retry held events.

Each public function is one unit of work, but for `ingest_batch`, which works inside the caller's.
`ingest_events` is what the webhook calls: it validates every event on its own (dead-lettering the
invalid ones with the reason), records the new ones in `ehr_event` (the dedupe key is the event
id), applies them and commits, all before the webhook answers 200. The pull
(`services/ehr/pull.py`) calls `ingest_batch` for each batch of feed pages and stores the cursor
in the same transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from services.ehr.apply import Applier, WorkItem
from services.ehr.contract import (
    MAX_BATCH_EVENTS,
    ParsedEvent,
    Rejection,
    parse_event,
)
from services.errors import InvalidInput
from services.ops import metrics
from storage.db import unit_of_work
from storage.ehr_cache import existing_ids
from storage.ehr_log import add_dead_letters, insert_new_events, list_held
from storage.safe_input import is_clean, problem_of, storable

log = logging.getLogger(__name__)
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
    outcomes: Sequence[Outcome] | None = None,
) -> IngestResult:
    """Validate, dedupe and apply a batch inside the caller's transaction (no commit).

    `outcomes` are `parse_events(raw_events)` when the caller has them already (the pull
    validates pages ahead, while the batch before is written).
    """
    result = IngestResult()
    parsed, dead = _sort_outcomes(
        result,
        parse_events(raw_events) if outcomes is None else outcomes,
        source=source,
        received_at=received_at,
    )
    if dead_letter:
        add_dead_letters(session, dead)
    new_ids = insert_new_events(session, [_event_row(e, source, received_at) for e in parsed])
    fresh = [e for e in parsed if e.id in new_ids]
    result.duplicates.extend(e.id for e in parsed if e.id not in new_ids)
    result.accepted.extend(e.id for e in fresh)
    items = [WorkItem(e, source, received_at) for e in fresh]
    result.counts.update(Applier(session, received_at).run(items))
    if dead:
        log.warning(
            "EHR events rejected",
            extra={"ctx": {"source": source, "event_ids": [d["event_id"] for d in dead]}},
        )
    return result


def _sort_outcomes(
    result: IngestResult, outcomes: Sequence[Outcome], *, source: str, received_at: datetime
) -> tuple[list[ParsedEvent], list[dict[str, Any]]]:
    """The valid events (the first of each id) and the dead letters of the rejected ones; the
    rejections and repeated ids are noted in `result`."""
    parsed: list[ParsedEvent] = []
    dead: list[dict[str, Any]] = []
    seen: set[str] = set()
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
    return parsed, dead


def ingest_events(
    session: Session, raw_events: Sequence[Any], *, source: str, received_at: datetime
) -> IngestResult:
    """Validate, dedupe and apply one batch of events in one transaction."""
    with unit_of_work(session):
        result = ingest_batch(session, raw_events, source=source, received_at=received_at)
    metrics.ehr_events_counted(source, result.summary())
    return result


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
    metrics.ehr_events_counted("retry", counts)
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
