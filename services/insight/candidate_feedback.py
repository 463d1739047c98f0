"""The feedback section as the candidate reads it, for the candidate's report and for HR's
preview (one function, so the preview is exactly what the candidate sees)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import String, bindparam, or_, select

from services.decisions.policy import GLOBAL, PolicyConfig
from services.insight.catalog import catalog_texts, merge_catalog
from services.insight.feedback import CandidateFeedback, DimensionScore, build_feedback
from storage.action_models import ScorePolicy
from storage.fastread import FastRead, Reader
from storage.insight_models import FeedbackCatalogEntry

_SP = ScorePolicy.__table__
_FC = FeedbackCatalogEntry.__table__


@cache
def _policy_query() -> FastRead:
    # The position's own policy and the global one; the position's wins (get_effective_policy).
    return FastRead(
        select(_SP.c.scope, _SP.c.config).where(
            or_(_SP.c.scope == bindparam("position_id", type_=String), _SP.c.scope == GLOBAL)
        )
    )


@cache
def _catalog_query() -> FastRead:
    return FastRead(
        select(
            _FC.c.dimension_key,
            _FC.c.suggestion_zh,
            _FC.c.suggestion_en,
            _FC.c.growth_zh,
            _FC.c.growth_en,
        )
    )


def position_minimums(reader: Reader, position_id: str) -> dict[str, float]:
    """The dimension minimums of the policy in force for the position (0-100 scale)."""
    configs = {
        row.scope: row.config for row in _policy_query().all(reader, {"position_id": position_id})
    }
    config = configs.get(position_id) or configs.get(GLOBAL)
    if not config:
        return {}
    return {m.key: m.minimum for m in PolicyConfig.model_validate(config).dimension_minimums}


def feedback_for(
    reader: Reader, dimensions: Iterable[Any], *, position_id: str, lang: str
) -> CandidateFeedback:
    """The feedback on a score's dimensions (objects with key, label, score, max_score)."""
    dims = [DimensionScore(d.key, d.label, d.score, d.max_score) for d in dimensions]
    texts, fallback = catalog_texts(merge_catalog(_catalog_query().all(reader, {})), lang)
    return build_feedback(
        dims,
        minimums=position_minimums(reader, position_id),
        catalog=texts,
        fallback=fallback,
        lang=lang,
    )
