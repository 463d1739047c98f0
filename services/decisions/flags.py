"""HR dispute an AI score: the flag is recorded and queued for the EHR as a hold with the note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_score_for_viewer, require_staff
from services.errors import InvalidInput
from storage.action_models import ScoreFlag
from storage.db import unit_of_work
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_SCORE_FLAGGED

MAX_NOTE = 2000


def flag_score(
    session: Session, *, score_id: str, actor: Viewer, note: str, now: datetime
) -> ScoreFlag:
    """Record a staff member's flag on a score they may see, with an outbox event."""
    staff_id = require_staff(actor)
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise InvalidInput(f"note must be 1 to {MAX_NOTE} characters")
    with unit_of_work(session):
        score = get_score_for_viewer(session, actor, score_id)
        flag = ScoreFlag(score_id=score.id, staff_id=staff_id, note=note, created_at=now)
        session.add(flag)
        session.flush()
        session.add(
            OutboxEvent(
                kind=OUTBOX_SCORE_FLAGGED,
                entity_kind="score",
                entity_id=score.id,
                entity_version=score.version,
                dedupe_key=f"score-flag:{flag.id}",
                payload={"flag_id": flag.id, "score_id": score.id, "staff_id": staff_id},
                created_at=now,
            )
        )
        return flag
