"""The company's policy of what candidates see of a published score (pure: no IO).

Used by the mini-app report and by the candidate score card, so both always show the same.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from storage.vocabulary import VISIBLE_SCORE_STATUSES

SCORE_PARTS = ("overall", "dimensions", "comments", "feedback")


@dataclass(frozen=True)
class DimensionView:
    key: str
    label: str
    score: float
    max_score: float


@dataclass(frozen=True)
class CommentView:
    author: str
    text: str


@dataclass(frozen=True)
class ScoreView:
    """A score as a candidate may see it; parts outside the policy are None."""

    score_id: str
    status: str
    overall: float | None
    dimensions: tuple[DimensionView, ...] | None
    comments: tuple[CommentView, ...] | None


def parse_visibility(policy: str) -> frozenset[str]:
    """Parse the CANDIDATE_SCORE_VISIBILITY comma list, refusing unknown parts."""
    parts = frozenset(p.strip() for p in policy.split(",") if p.strip())
    unknown = parts - set(SCORE_PARTS)
    if unknown:
        raise ValueError(f"unknown score parts in visibility policy: {sorted(unknown)}")
    return parts


def candidate_score_view(score: ScoreView, policy: frozenset[str]) -> ScoreView | None:
    """Return what the policy lets a candidate see of a score; None for a draft."""
    if score.status not in VISIBLE_SCORE_STATUSES:
        return None
    return replace(
        score,
        overall=score.overall if "overall" in policy else None,
        dimensions=score.dimensions if "dimensions" in policy else None,
        comments=score.comments if "comments" in policy else None,
    )
