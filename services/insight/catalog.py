"""The feedback catalogue: a suggestion (and optionally a growth suggestion, such as a course of
the training catalogue) per AI dimension, in Chinese and English. Built-in defaults for the
common dimensions; admins override or add entries with GET/PUT /api/v1/admin/feedback-catalog.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer
from services.decisions.policy_admin import require_admin
from services.insight.feedback import CatalogText
from storage.db import unit_of_work
from storage.insight_models import FeedbackCatalogEntry

log = logging.getLogger(__name__)

FALLBACK_KEY = "*"  # the entry for a dimension the catalogue does not name


@dataclass(frozen=True)
class CatalogEntry:
    key: str
    suggestion_zh: str
    suggestion_en: str
    growth_zh: str | None = None
    growth_en: str | None = None

    def text(self, lang: str) -> CatalogText:
        if lang == "en":
            return CatalogText(self.suggestion_en, self.growth_en)
        return CatalogText(self.suggestion_zh, self.growth_zh)


DEFAULTS: tuple[CatalogEntry, ...] = (
    CatalogEntry(
        "communication",
        "练习结构化表达：先说结论，再分两三点说明理由。",
        "Practise structured expression: say the conclusion first, then two or three reasons.",
        "推荐课程：《高效沟通与结构化表达》",
        "Suggested course: Effective communication and structured expression",
    ),
    CatalogEntry(
        "logic",
        "练习结构化思考：把问题拆成几个部分，逐一分析后再下结论。",
        "Practise structured thinking: break a problem into parts and reason through each.",
        "推荐课程：《逻辑思维训练》",
        "Suggested course: Logical thinking",
    ),
    CatalogEntry(
        "service_attitude",
        "多从顾客的角度想一想：他们需要什么、担心什么，再给出回应。",
        "Think from the customer's side first: what they need and worry about, then respond.",
        "推荐课程：《门店服务礼仪》",
        "Suggested course: Service etiquette in the store",
    ),
    CatalogEntry(
        "customer_orientation",
        "准备两三个你主动帮助顾客解决问题的具体例子。",
        "Prepare two or three concrete examples of solving a customer's problem yourself.",
    ),
    CatalogEntry(
        "night_shift",
        "提前规划作息，说明你如何安排夜班前后的休息与通勤。",
        "Plan your rest: explain how you would arrange sleep and commuting around night shifts.",
    ),
    CatalogEntry(
        "teamwork",
        "回顾一次团队合作的经历：你的角色、遇到的分歧和解决的办法。",
        "Recall a team effort: your role, a disagreement, and how it was resolved.",
    ),
    CatalogEntry(
        "learning",
        "举例说明你最近学会的一项新技能，以及你是如何学会的。",
        "Give an example of a skill you learned recently and how you learned it.",
    ),
    CatalogEntry(
        FALLBACK_KEY,
        "找一位朋友做模拟面试，针对这一项多练习并请对方给出反馈。",
        "Do a mock interview with a friend, practise this area and ask for their feedback.",
    ),
)


def merge_catalog(rows: Iterable[Any]) -> list[CatalogEntry]:
    """The catalogue in force: stored rows (`feedback_catalog_entry`'s columns) over the
    defaults, sorted by key."""
    entries = {e.key: e for e in DEFAULTS}
    for row in rows:
        entries[row.dimension_key] = CatalogEntry(
            row.dimension_key, row.suggestion_zh, row.suggestion_en, row.growth_zh, row.growth_en
        )
    return sorted(entries.values(), key=lambda e: e.key)


def list_catalog(session: Session) -> list[CatalogEntry]:
    """The catalogue in force."""
    return merge_catalog(session.scalars(select(FeedbackCatalogEntry)))


def catalog_texts(
    entries: list[CatalogEntry], lang: str
) -> tuple[dict[str, CatalogText], CatalogText]:
    """The catalogue in one language, and the entry for dimensions it does not name."""
    texts = {e.key: e.text(lang) for e in entries}
    fallback = texts.pop(FALLBACK_KEY, None) or next(
        e.text(lang) for e in DEFAULTS if e.key == FALLBACK_KEY
    )
    return texts, fallback


def get_catalog_for_admin(session: Session, viewer: Viewer) -> list[CatalogEntry]:
    """The catalogue, for an admin."""
    require_admin(session, viewer)
    entries = list_catalog(session)
    session.rollback()  # read only
    return entries


def replace_catalog(
    session: Session, viewer: Viewer, entries: list[CatalogEntry], *, now: datetime
) -> list[CatalogEntry]:
    """Store `entries` as the whole catalogue (keys left out fall back to the defaults)."""
    with unit_of_work(session):
        admin = require_admin(session, viewer)
        session.execute(delete(FeedbackCatalogEntry))
        for e in entries:
            session.add(
                FeedbackCatalogEntry(
                    dimension_key=e.key,
                    suggestion_zh=e.suggestion_zh,
                    suggestion_en=e.suggestion_en,
                    growth_zh=e.growth_zh,
                    growth_en=e.growth_en,
                    updated_by=admin.id,
                    updated_at=now,
                )
            )
        session.flush()
        log.info("feedback catalogue replaced", extra={"ctx": {"entries": len(entries)}})
        return list_catalog(session)
