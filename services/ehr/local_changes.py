"""Changes the backend makes to the cache itself, each recorded in the history with its reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Candidate
from storage.sync_models import ChangeHistory


def record_local_change(
    session: Session,
    *,
    entity_kind: str,
    entity_id: str,
    version: int,
    changes: dict[str, Any],
    now: datetime,
    reason: str,
    **data: Any,
) -> None:
    """Record a change the backend made itself (not the EHR) in the history, saying why."""
    session.add(
        ChangeHistory(
            entity_kind=entity_kind,
            entity_id=entity_id,
            version=version,
            event_id=None,
            source="local",
            operation="updated",
            received_at=now,
            applied_at=now,
            changes=changes,
            data={"reason": reason, **data},
        )
    )


def set_candidate_link(
    session: Session, candidate: Candidate, user_id: str | None, *, now: datetime, reason: str
) -> None:
    """Set (or clear, with None) the DingTalk user we found for a candidate, saying why.

    The EHR's own `dingtalk_user_id` is never touched; support reads the history row to answer
    "why did this person get that card?".
    """
    before = candidate.linked_dingtalk_user_id
    if before == user_id:
        return
    candidate.linked_dingtalk_user_id = user_id
    record_local_change(
        session,
        entity_kind="candidate",
        entity_id=candidate.id,
        version=candidate.version,
        changes={"linked_dingtalk_user_id": {"before": before, "after": user_id}},
        now=now,
        reason=reason,
    )
