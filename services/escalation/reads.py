"""What counts as read: a click on the card (DingTalk reports no read status for interactive
cards), a read DING of the ladder, or the person having acted (the interview opened, the
application closed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.attention_models import CardRead
from storage.db import unit_of_work


def record_read(session: Session, out_track_id: str, user_id: str, *, now: datetime) -> None:
    """Remember that `user_id` opened the card (the first time counts)."""
    if not out_track_id or not user_id:
        return
    try:
        with unit_of_work(session):
            if session.get(CardRead, (out_track_id[:128], user_id[:64])) is None:
                session.add(
                    CardRead(out_track_id=out_track_id[:128], user_id=user_id[:64], read_at=now)
                )
    except IntegrityError:  # two clicks at once: the other one recorded it
        session.rollback()


def read_tracks(session: Session, pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (out_track_id, user_id) pairs were read."""
    tracks = {track for track, _ in pairs}
    if not tracks:
        return set()
    rows = session.execute(
        select(CardRead.out_track_id, CardRead.user_id).where(CardRead.out_track_id.in_(tracks))
    ).all()
    return {(track, user) for track, user in rows} & set(pairs)
