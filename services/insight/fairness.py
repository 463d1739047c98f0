"""The adverse-impact guard: advance rates by education group and the four-fifths rule.

A group's advance rate is the share of its assessed applications (those with a visible AI
score) that advanced past the AI interview; its ratio is that rate over the highest rate among
the groups shown. Under the four-fifths rule a ratio below 0.8 suggests adverse impact. Groups
with fewer than MIN_GROUP applications are suppressed (no count, rate or ratio): small groups
give unstable rates and could single people out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_position_for_viewer, require_staff
from storage.models import Application, Candidate, Interview, Score
from storage.scores import visible
from storage.vocabulary import EDUCATION_LEVELS

MIN_GROUP = 10
FOUR_FIFTHS = 0.8
UNKNOWN = "unknown"
# Past the AI interview: the stages an advance leads to.
ADVANCED_STAGES = ("interview", "offer", "hired")


@dataclass(frozen=True)
class GroupRate:
    education: str
    suppressed: bool
    count: int | None
    advanced: int | None
    rate: float | None
    ratio: float | None  # rate / the highest shown rate
    below_four_fifths: bool | None


@dataclass(frozen=True)
class FairnessReport:
    position_id: str
    total: int
    groups: list[GroupRate]
    min_group: int = MIN_GROUP
    threshold: float = FOUR_FIFTHS
    notes: list[str] = field(default_factory=list)


def group_rates(outcomes: Iterable[tuple[str | None, bool]]) -> list[GroupRate]:
    """Advance rates and four-fifths ratios from (education, advanced) pairs (pure)."""
    counts: Counter[str] = Counter()
    advanced: Counter[str] = Counter()
    for education, did_advance in outcomes:
        group = education or UNKNOWN
        counts[group] += 1
        advanced[group] += int(did_advance)
    shown = {g: advanced[g] / n for g, n in counts.items() if n >= MIN_GROUP}
    best = max(shown.values(), default=0.0)
    order = {level: i for i, level in enumerate((*EDUCATION_LEVELS, UNKNOWN))}
    rates = []
    for group in sorted(counts, key=lambda g: (order.get(g, len(order)), g)):
        if group not in shown:
            rates.append(GroupRate(group, True, None, None, None, None, None))
            continue
        ratio = shown[group] / best if best > 0 else None
        rates.append(
            GroupRate(
                education=group,
                suppressed=False,
                count=counts[group],
                advanced=advanced[group],
                rate=round(shown[group], 4),
                ratio=round(ratio, 4) if ratio is not None else None,
                below_four_fifths=ratio < FOUR_FIFTHS if ratio is not None else None,
            )
        )
    return rates


NOTES = {
    "zh": [
        "少于 10 人的学历组不显示，以免比例不稳定或指向个人。",
        "比例低于 0.8（五分之四规则）提示可能存在不利影响，需要结合岗位要求进一步审视，并非定论。",
    ],
    "en": [
        "Education groups of fewer than 10 applications are not shown: their rates are unstable"
        " and could single people out.",
        "A ratio under 0.8 (the four-fifths rule) suggests adverse impact worth examining against"
        " the position's real requirements; it is not a verdict.",
    ],
}


def get_fairness_for_viewer(
    session: Session, viewer: Viewer, position_id: str, *, lang: str
) -> FairnessReport:
    """The advance rate of each education group of a position's assessed applications."""
    require_staff(viewer)
    get_position_for_viewer(session, viewer, position_id)
    # Assessed: the application has a visible score (any of its interviews).
    scored = (
        select(Interview.id)
        .join(Score, Score.interview_id == Interview.id)
        .where(
            Interview.application_id == Application.id,
            Interview.deleted.is_(false()),
            visible(Score.__table__),
        )
        .exists()
    )
    rows = session.execute(
        select(Candidate.education, Application.stage)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .where(Application.position_id == position_id, Application.deleted.is_(false()), scored)
    ).all()
    session.rollback()  # read only
    outcomes = [(education, stage in ADVANCED_STAGES) for education, stage in rows]
    return FairnessReport(
        position_id=position_id,
        total=len(outcomes),
        groups=group_rates(outcomes),
        notes=NOTES["en" if lang == "en" else "zh"],
    )
