"""Admin use cases of the EHR sync: inspect and replay dead letters; read an entity's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.ehr.sync import ingest_batch
from services.errors import NotFound
from storage.db import unit_of_work
from storage.ehr_log import get_dead_letters, list_dead_letters, list_history


@dataclass(frozen=True)
class DeadLetterView:
    id: int
    event_id: str | None
    source: str
    reason: str
    received_at: datetime
    replayed_at: datetime | None
    replay_result: str | None
    raw: Any


def list_dead_letter_views(
    session: Session, *, include_replayed: bool = False, limit: int = 100
) -> list[DeadLetterView]:
    """Dead letters not yet replayed successfully (all with `include_replayed`), oldest first."""
    return [
        DeadLetterView(
            id=d.id,
            event_id=d.event_id,
            source=d.source,
            reason=d.reason,
            received_at=d.received_at,
            replayed_at=d.replayed_at,
            replay_result=d.replay_result,
            raw=d.raw,
        )
        for d in list_dead_letters(session, include_replayed=include_replayed, limit=limit)
    ]


@dataclass(frozen=True)
class HistoryView:
    """One change of an entity: which event (or backend action) made it, and the field pairs."""

    version: int
    operation: str
    source: str
    event_id: str | None
    received_at: datetime
    applied_at: datetime
    changes: dict[str, dict[str, Any]]
    data: dict[str, Any]


def list_history_views(session: Session, kind: str, entity_id: str) -> list[HistoryView]:
    """Every recorded change of one entity, in version order (support: "why this card?")."""
    return [
        HistoryView(
            version=h.version,
            operation=h.operation,
            source=h.source,
            event_id=h.event_id,
            received_at=h.received_at,
            applied_at=h.applied_at,
            changes=h.field_changes(),
            data=h.data,
        )
        for h in list_history(session, kind, entity_id)
    ]


def replay_dead_letters(
    session: Session, ids: list[int] | None, *, now: datetime
) -> list[tuple[int, str]]:
    """Run dead letters through ingestion again (all pending ones when `ids` is None).

    Each gets `replay_result`: accepted, duplicate, or `rejected: <reason>` (it stays listed).
    """
    with unit_of_work(session):
        if ids is None:
            letters = get_dead_letters(
                session, [d.id for d in list_dead_letters(session, limit=10_000)]
            )
        else:
            letters = get_dead_letters(session, ids)
            missing = set(ids) - {d.id for d in letters}
            if missing:
                raise NotFound(f"no dead letter with id {', '.join(map(str, sorted(missing)))}")
        results = []
        for letter in letters:
            outcome = ingest_batch(
                session, [letter.raw], source=letter.source, received_at=now, dead_letter=False
            )
            if outcome.accepted:
                result = "accepted"
            elif outcome.duplicates:
                result = "duplicate"
            else:
                result = "rejected: " + str(outcome.rejected[0]["error"])
            letter.replayed_at = now
            letter.replay_result = result
            results.append((letter.id, result))
    return results
