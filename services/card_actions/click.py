"""The shared vocabulary of card clicks: the click, the answer, labels and small helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.builders import decision_update
from cards.text import t
from services.access.visibility import Viewer
from services.errors import NotFound
from storage import vocabulary
from storage.models import (
    Interview,
    Staff,
)
from storage.sync_models import OutboxEvent

# The outbox kinds card actions write are defined in storage.vocabulary; kept for their importers.
OUTBOX_MANUAL_REMINDER = vocabulary.OUTBOX_MANUAL_REMINDER
OUTBOX_DEADLINE_EXTENDED = vocabulary.OUTBOX_DEADLINE_EXTENDED
OUTBOX_REQUIREMENT_REVIEWED = vocabulary.OUTBOX_REQUIREMENT_REVIEWED


REJECT_REASONS = ("skills", "availability", "salary", "other")


FLAG_NOTES = ("score_too_high", "score_too_low", "technical_issue", "other")


REQUIREMENT_REJECT_REASONS = ("unreadable", "wrong_document", "expired")


MAX_PARAM_CHARS = 128


EXTEND_HOURS = (1, 168)

# Words the shared cards/text.py does not have.


EXTRA_LABELS: dict[str, tuple[str, str]] = {
    "decision_requirement_reject": ("已驳回", "Rejected"),
    "decision_flag": ("已标记评分存疑", "Score flagged"),
    "notice_done": ("已处理：{label}", "Done: {label}"),
    "notice_duplicate": ("已处理过：{label}", "Already done: {label}"),
    "notice_already": ("已由 {name} 处理：{label}", "Already decided by {name}: {label}"),
    "notice_not_permitted": ("你无权处理此卡片", "You are not permitted to act on this card"),
    "notice_invalid": ("无法识别的操作", "This action is not recognised"),
    "notice_requirement_pending": (
        "仍有材料未提交或未通过，暂不能推进",
        "Cannot advance while a requirement is missing or rejected",
    ),
    "notice_application_closed": ("该申请已结束", "This application is already closed"),
    "notice_interview_closed": ("该面试已结束，无法延期", "This interview is over"),
    "notice_refused": ("操作未完成，请在小程序中查看", "Not done; please check in the mini-app"),
}


def label(key: str, lang: str) -> str:
    """The display text of `key` (cards/text.py first, then this module's words)."""
    try:
        return t(key, lang)
    except KeyError:
        zh, en = EXTRA_LABELS.get(key, (key, key))
        return en if lang == "en" else zh


@dataclass(frozen=True)
class CardActionResult:
    outcome: str  # done | duplicate | already_decided | not_permitted | refused | invalid
    card_data: dict[str, str]  # public data for the card (merged by key); empty: unchanged
    private_data: dict[str, str]  # the clicker's own view (the `notice` line)
    message: str


@dataclass(frozen=True)
class Click:
    viewer: Viewer
    staff: Staff
    out_track_id: str
    application_id: str
    interview_id: str | None
    requirement_key: str | None
    card_sent_at: datetime | None
    params: dict[str, str]
    now: datetime
    lang: str


def param(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()[:MAX_PARAM_CHARS]
    return text or None


def notice(outcome: str, key: str, lang: str, **fmt: str) -> CardActionResult:
    text = label(key, lang).format(**fmt)
    return CardActionResult(outcome, {}, {"notice": text}, text)


def decided(
    outcome: str, decision: str, name: str, lang: str, *, key: str | None = None
) -> CardActionResult:
    if key is None and decision in ("advance", "reject", "hold", "withdraw"):
        data = decision_update(decision, name, lang=lang)
    else:
        text = label(key or f"decision_{decision}", lang)
        data = {"decision": decision, "decision_label": text, "decided_by": name}
    notice = {"done": "notice_done", "duplicate": "notice_duplicate"}.get(outcome, "notice_already")
    text = label(notice, lang).format(label=data["decision_label"], name=name)
    return CardActionResult(outcome, data, {"notice": text}, text)


def staff_name(session: Session, staff_id: str | None, fallback: str) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.name if staff is not None else fallback


def open_interview(session: Session, click: Click) -> Interview:
    interview = session.get(Interview, click.interview_id) if click.interview_id else None
    if interview is None or interview.deleted:
        raise NotFound("the card names no interview")
    return interview


def outbox_once(session: Session, dedupe_key: str, row: OutboxEvent) -> bool:
    if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == dedupe_key)):
        return False
    row.dedupe_key = dedupe_key
    session.add(row)
    return True
