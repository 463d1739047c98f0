"""Links we make between a candidate and a DingTalk user, each recorded in the history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage.models import Candidate
from storage.sync_models import ChangeHistory


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
    session.add(
        ChangeHistory(
            entity_kind="candidate",
            entity_id=candidate.id,
            version=candidate.version,
            event_id=None,
            source="local",
            operation="updated",
            received_at=now,
            applied_at=now,
            changes={"linked_dingtalk_user_id": {"before": before, "after": user_id}},
            data={"reason": reason},
        )
    )
