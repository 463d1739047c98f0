"""The candidate's feedback on an AI interview: rule-based and explainable (pure: no IO).

From the dimensions of a published score, the position policy's dimension minimums and the
feedback catalogue: strengths (the best dimensions), what to work on (the weak ones, each with
the catalogue's suggestion), the fit with the position in words, and growth suggestions. Never
a number the company keeps internal: neither the minimums nor the advance threshold appear,
and the levels are words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# On a 0-100 scale (score / max_score * 100).
STRONG = 75.0  # at or above: a strength
WEAK = 60.0  # below: something to work on, whatever the position asks
WELL_ABOVE = 15.0  # this far over a position's minimum: "well above what the position asks"
MAX_STRENGTHS = 2
MAX_WORK_ON = 3
FIT_LEVELS = ("below", "meets", "above")


@dataclass(frozen=True)
class DimensionScore:
    key: str
    label: str
    score: float
    max_score: float

    @property
    def normalized(self) -> float:
        return self.score * 100 / self.max_score if self.max_score else self.score


@dataclass(frozen=True)
class CatalogText:
    """One dimension's entry of the feedback catalogue, in one language."""

    suggestion: str
    growth: str | None = None


@dataclass(frozen=True)
class FeedbackLine:
    key: str
    label: str
    text: str


@dataclass(frozen=True)
class FitLine:
    key: str
    label: str
    level: str  # FIT_LEVELS
    text: str


@dataclass(frozen=True)
class CandidateFeedback:
    """What the candidate reads in the report's `feedback` section."""

    strengths: list[FeedbackLine]
    work_on: list[FeedbackLine]
    fit_summary: str
    fit: list[FitLine]
    growth: list[FeedbackLine]


_TEXT = {
    "zh": {
        "strength": "{label}是你的优势，继续保持。",
        "weak": "{label}相对薄弱：{suggestion}",
        "below": "{label}：与该岗位的要求还有差距",
        "meets": "{label}：符合该岗位的要求",
        "above": "{label}：明显高于该岗位的要求",
        "fit_all": "你的各项能力符合该岗位的要求。",
        "fit_some": "你在 {labels} 上与该岗位的要求还有差距，其余方面符合要求。",
        "fit_none": "该岗位没有设定单项能力要求，结果以综合表现为准。",
        "sep": "、",
    },
    "en": {
        "strength": "{label} is one of your strengths; keep it up.",
        "weak": "{label} is weaker: {suggestion}",
        "below": "{label}: not yet what the position asks for",
        "meets": "{label}: meets what the position asks for",
        "above": "{label}: well above what the position asks for",
        "fit_all": "Your abilities meet what the position asks for.",
        "fit_some": "{labels}: not yet what the position asks for; the rest meets it.",
        "fit_none": "The position sets no requirement per ability; the overall result counts.",
        "sep": ", ",
    },
}


def fit_level(normalized: float, minimum: float) -> str:
    """Where a dimension stands against the position's minimum, as a word."""
    if normalized < minimum:
        return "below"
    return "above" if normalized >= minimum + WELL_ABOVE else "meets"


def _strengths(dims: Sequence[DimensionScore], text: Mapping[str, str]) -> list[FeedbackLine]:
    best = sorted(dims, key=lambda d: (-d.normalized, d.key))
    return [
        FeedbackLine(d.key, d.label, text["strength"].format(label=d.label))
        for d in best[:MAX_STRENGTHS]
        if d.normalized >= STRONG
    ]


def _weak(dims: Sequence[DimensionScore], minimums: Mapping[str, float]) -> list[DimensionScore]:
    weak = [d for d in dims if d.normalized < WEAK or d.normalized < minimums.get(d.key, -1.0)]
    if not weak and len(dims) > 1:
        lowest = min(dims, key=lambda d: (d.normalized, d.key))
        weak = [lowest] if lowest.normalized < STRONG else []
    return sorted(weak, key=lambda d: (d.normalized, d.key))[:MAX_WORK_ON]


def build_feedback(
    dims: Sequence[DimensionScore],
    *,
    minimums: Mapping[str, float],
    catalog: Mapping[str, CatalogText],
    fallback: CatalogText,
    lang: str,
) -> CandidateFeedback:
    """The feedback for these dimension scores under the position's minimums."""
    text = _TEXT["en" if lang == "en" else "zh"]
    weak = _weak(dims, minimums)
    work_on, growth = [], []
    for d in weak:
        entry = catalog.get(d.key, fallback)
        work_on.append(
            FeedbackLine(
                d.key, d.label, text["weak"].format(label=d.label, suggestion=entry.suggestion)
            )
        )
        if entry.growth:
            growth.append(FeedbackLine(d.key, d.label, entry.growth))
    fit = [
        FitLine(d.key, d.label, level, text[level].format(label=d.label))
        for d in dims
        if d.key in minimums
        for level in (fit_level(d.normalized, minimums[d.key]),)
    ]
    below = [f.label for f in fit if f.level == "below"]
    if not fit:
        summary = text["fit_none"]
    elif below:
        summary = text["fit_some"].format(labels=text["sep"].join(below))
    else:
        summary = text["fit_all"]
    weak_keys = {d.key for d in weak}
    return CandidateFeedback(
        strengths=_strengths([d for d in dims if d.key not in weak_keys], text),
        work_on=work_on,
        fit_summary=summary,
        fit=fit,
        growth=growth,
    )
