"""Each HR member's own choice of score notifications, over the company's HR_SCORE_NOTIFY."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.errors import InvalidInput
from storage.db import unit_of_work
from storage.digest_models import HR_SCORE_NOTIFY_MODES, StaffNotifySetting


def score_notify_modes(session: Session, staff_ids: list[str], default: str) -> dict[str, str]:
    """Each staff member's mode: their own choice, else the company's default."""
    chosen = dict(
        session.execute(
            select(StaffNotifySetting.staff_id, StaffNotifySetting.score_notify).where(
                StaffNotifySetting.staff_id.in_(staff_ids)
            )
        ).all()
    )
    return {staff_id: chosen.get(staff_id, default) for staff_id in staff_ids}


def set_score_notify(session: Session, staff_id: str, mode: str, *, now: datetime) -> None:
    """Record a staff member's choice (the bot command `设置 通知 逐条|汇总`)."""
    if mode not in HR_SCORE_NOTIFY_MODES:
        raise InvalidInput(f"mode must be one of {', '.join(HR_SCORE_NOTIFY_MODES)}")
    with unit_of_work(session):
        row = session.get(StaffNotifySetting, staff_id)
        if row is None:
            session.add(StaffNotifySetting(staff_id=staff_id, score_notify=mode, updated_at=now))
        else:
            row.score_notify = mode
            row.updated_at = now
