"""The EHR's answers to write-backs, applied to the cache at once (contract v1.1 write-backs).

A write-back's 200 (or 409) carries the entity as the EHR now holds it. Applying it right away
lets the person who acted see the result without waiting for the EHR's own event; that event
comes later with the same version, is recorded as stale, and so writes no second history or
outbox row. The answer goes through the sync like any event (validation, versions, held
parents, history, outbox), under an event id derived from the entity's version, so applying
the same answer twice (a double submit) is a duplicate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.ehr.sync import IngestResult, ingest_batch
from storage.db import unit_of_work

# `ehr_event.source` of an applied answer (String(8)), beside "push" and "pull".
ANSWER_SOURCE = "answer"


def answer_event(kind: str, entity: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """The contract event an answered entity stands for."""
    return {
        "id": f"answer-{kind}-{entity.get('id')}-v{entity.get('version')}"[:128],
        "type": f"{kind}.upserted",
        "occurred_at": now.isoformat(),
        "data": entity,
    }


def ingest_writeback_answer(
    session: Session, kind: str, entity: dict[str, Any], *, now: datetime
) -> IngestResult:
    """Apply the entity of a write-back's answer inside the caller's transaction (no commit)."""
    return ingest_batch(
        session, [answer_event(kind, entity, now=now)], source=ANSWER_SOURCE, received_at=now
    )


def apply_writeback_answer(
    session: Session, kind: str, entity: dict[str, Any], *, now: datetime
) -> IngestResult:
    """Apply the entity of a write-back's answer to the cache in one transaction."""
    with unit_of_work(session):
        return ingest_writeback_answer(session, kind, entity, now=now)
