"""Each HR member's own choice of score notifications, over the company's HR_SCORE_NOTIFY."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.errors import InvalidInput
from storage.attention_models import HR_SCORE_NOTIFY_MODES, StaffNotifySetting
from storage.db import unit_of_work


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


# The bot command's words: `设置 通知 逐条|汇总` and `settings notify each|digest`.
_NOTIFY_WORDS = ("通知", "notify", "notifications")
_MODE_WORDS = {"逐条": "each", "each": "each", "汇总": "digest", "digest": "digest"}
_REPLIES = {
    "each": ("好的：新成绩将逐条推送给你。", "Done: you will get a card per new score."),
    "digest": (
        "好的：新成绩将按岗位汇总推送（每个时段一张卡片）。",
        "Done: new scores reach you as one digest card per position and window.",
    ),
    "usage": (
        "发送“设置 通知 逐条”或“设置 通知 汇总”。当前：{mode}",
        "Send 'settings notify each' or 'settings notify digest'. Now: {mode}",
    ),
}
_MODE_NAMES = {"each": ("逐条", "each"), "digest": ("汇总", "digest")}


def notify_setting_reply(
    session: Session, staff_id: str, arg: str, lang: str, *, now: datetime, default: str = ""
) -> tuple[str, str]:
    """Answer `设置 通知 ...`: set the mode when one is named, else say how and what it is."""
    en = lang == "en"
    words = arg.lower().split()
    mode = _MODE_WORDS.get(words[1]) if len(words) == 2 and words[0] in _NOTIFY_WORDS else None
    title = "Settings" if en else "设置"
    if mode is not None:
        set_score_notify(session, staff_id, mode, now=now)
        return title, _REPLIES[mode][en]
    row = session.get(StaffNotifySetting, staff_id)
    current = row.score_notify if row is not None else (default or "digest")
    name = _MODE_NAMES.get(current, (current, current))[en]
    return title, _REPLIES["usage"][en].format(mode=name)
