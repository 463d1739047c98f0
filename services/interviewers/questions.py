"""What to probe per AI dimension: the admin-kept list, with built-in defaults.

The admin edits the list (`GET/PUT /api/v1/admin/dimension-questions`); a dimension the admin
never wrote falls back to the defaults below by key, then to a generic list, so a briefing
always has something to suggest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, require_staff
from services.errors import Forbidden, InvalidInput
from storage.db import unit_of_work
from storage.models import Staff
from storage.round_models import DimensionQuestions

MAX_QUESTIONS = 10
MAX_QUESTION_CHARS = 300

DEFAULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "logic": (
        "逻辑思维",
        (
            "请描述一次你分析并解决复杂问题的过程，关键判断依据是什么？",
            "如果数据互相矛盾，你会如何取舍？",
        ),
    ),
    "expression": (
        "语言表达",
        ("请用两分钟介绍你最熟悉的一项工作，让外行也能听懂。", "你如何确认对方理解了你的意思？"),
    ),
    "communication": (
        "沟通协作",
        (
            "讲一次你与同事或顾客意见不一致的经历，最后怎么解决的？",
            "团队任务分工不均时你会怎么做？",
        ),
    ),
    "attitude": (
        "工作态度",
        ("遇到排班调整或临时加班，你通常怎么安排？", "讲一件你主动多做了一步的事情。"),
    ),
    "experience": (
        "相关经验",
        (
            "请具体说说你上一份工作的日常职责和一个可量化的成果。",
            "这个岗位的哪部分工作你做过，哪部分需要学习？",
        ),
    ),
}
GENERIC = (
    "请举一个与该能力相关的具体例子：当时的情况、你的做法和结果。",
    "如果重来一次，你会怎么做得更好？",
)


@dataclass(frozen=True)
class DimensionQuestionsView:
    key: str
    label: str
    questions: list[str]
    stored: bool  # False: the built-in default
    updated_by: str | None
    updated_at: datetime | None


def _require_admin(session: Session, viewer: Viewer) -> None:
    staff = session.get(Staff, require_staff(viewer))
    if staff is None or staff.deleted or staff.role != "admin":
        raise Forbidden("only an admin maintains the interview questions", code="admin_only")


def questions_for(session: Session, key: str, label: str | None = None) -> list[str]:
    """The questions to probe dimension `key`: the admin's, else the default, else generic."""
    row = session.get(DimensionQuestions, key)
    if row is not None and row.questions:
        return list(row.questions)
    default = DEFAULTS.get(key)
    return list(default[1]) if default else list(GENERIC)


def list_dimension_questions(session: Session, viewer: Viewer) -> list[DimensionQuestionsView]:
    """Every stored list, and the defaults of the common dimensions not stored (admin only)."""
    with unit_of_work(session):
        _require_admin(session, viewer)
        rows = {r.key: r for r in session.scalars(select(DimensionQuestions))}
        views = [
            DimensionQuestionsView(
                r.key, r.label, list(r.questions), True, r.updated_by, r.updated_at
            )
            for r in rows.values()
        ]
        views += [
            DimensionQuestionsView(key, label, list(questions), False, None, None)
            for key, (label, questions) in DEFAULTS.items()
            if key not in rows
        ]
        return sorted(views, key=lambda v: v.key)


def _clean(questions: list[str]) -> list[str]:
    cleaned = [q.strip() for q in questions if q.strip()]
    if not cleaned or len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(f"questions: 1 to {MAX_QUESTIONS} non-empty questions")
    if any(len(q) > MAX_QUESTION_CHARS for q in cleaned):
        raise InvalidInput(f"questions: each at most {MAX_QUESTION_CHARS} characters")
    return cleaned


def put_dimension_questions(
    session: Session, viewer: Viewer, key: str, *, label: str, questions: list[str], now: datetime
) -> DimensionQuestionsView:
    """Store the question list of one dimension (admin only); return it."""
    cleaned = _clean(questions)
    with unit_of_work(session):
        _require_admin(session, viewer)
        row = session.get(DimensionQuestions, key)
        if row is None:
            row = DimensionQuestions(key=key)
            session.add(row)
        row.label, row.questions = label.strip() or key, cleaned
        row.updated_by, row.updated_at = viewer.staff_id, now
        session.flush()
        return DimensionQuestionsView(key, row.label, cleaned, True, row.updated_by, now)
