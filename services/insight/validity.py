"""Predictive validity of the AI interview for one position: do the scores of hires relate to
their later performance?

For each hire (an application with at least one live performance review): performance is the
mean of its reviews; the AI scores are those of its latest visible score. Per dimension (0-100
scale) and for the overall score: Pearson and Spearman with n and a 95% interval (Fisher z);
a cut-off statement (mean performance at or above a cut-off against the rest, n on both sides);
and course completion (mean over the hire's courses) against performance. Below the minimum
sample it answers that there is not enough data, and never numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_position_for_viewer, require_staff
from services.decisions.policy import PolicyConfig, get_effective_policy
from services.errors import InvalidInput
from services.insight.stats import Correlation, correlate, mean
from storage.models import (
    Application,
    PerformanceReview,
    ScoreDimension,
    TrainingProgress,
)
from storage.scores import latest_application_scores

_A = Application.__table__


@dataclass(frozen=True)
class DimensionValidity:
    key: str
    label: str
    correlation: Correlation


@dataclass(frozen=True)
class CutoffStatement:
    measure: str  # "overall" or a dimension key
    label: str
    cutoff: float
    n_at_or_above: int
    mean_at_or_above: float | None
    n_below: int
    mean_below: float | None
    difference_percent: float | None  # (above - below) / below x 100
    text: str


@dataclass(frozen=True)
class ValidityReport:
    position_id: str
    n: int
    min_sample: int
    enough: bool
    message: str | None
    overall: Correlation | None = None
    dimensions: list[DimensionValidity] = field(default_factory=list)
    cutoff: CutoffStatement | None = None
    training: Correlation | None = None
    points: list[tuple[float, float]] = field(default_factory=list)  # (overall, performance)
    caveats: list[str] = field(default_factory=list)


@dataclass
class Hire:
    performance: float
    overall: float | None = None
    dimensions: dict[str, float] = field(default_factory=dict)
    completion: float | None = None


_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "not_enough": "有绩效评估的录用者只有 {n} 人（至少需要 {m} 人），"
        "数据不足，暂不显示相关性。",
        "cutoff": "{label} ≥ {cutoff:g} 的录用者（{na} 人）平均绩效 {ma:.1f}，"
        "其余 {nb} 人为 {mb:.1f}，{sign}{diff:.0f}%。",
        "higher": "高出 ",
        "lower": "低 ",
        "overall": "综合分",
    },
    "en": {
        "not_enough": "Only {n} hires have performance reviews (at least {m} are needed): not"
        " enough data to show correlations yet.",
        "cutoff": "Hires with {label} ≥ {cutoff:g} ({na}) averaged {ma:.1f} in performance against"
        " {mb:.1f} for the other {nb}: {diff:.0f}% {sign}.",
        "higher": "higher",
        "lower": "lower",
        "overall": "overall score",
    },
}


_CAVEATS: dict[str, list[str]] = {
    "zh": [
        "只有被录用的人才有绩效数据：未录用的候选人不在样本中（范围受限），相关性通常会被低估。",
        "相关不等于因果：分数与绩效一起变化，不说明是分数导致了绩效。",
        "95% 置信区间按 Fisher z 变换计算（针对 Pearson 相关系数）。",
    ],
    "en": [
        "Only hires have performance reviews: candidates who were not hired are missing (a"
        " restricted sample), which usually makes correlations look weaker than they are.",
        "Correlation is not cause: scores and performance moving together does not mean the"
        " score causes the performance.",
        "The 95% interval is Pearson's, from Fisher's z transform.",
    ],
}


def _hires(session: Session, position_id: str) -> tuple[dict[str, Hire], dict[str, str]]:
    """Every reviewed hire of the position with its performance, AI scores and completion;
    and the dimensions' labels."""
    live = (_A.c.position_id == position_id, _A.c.deleted.is_(false()))
    hires = {
        app_id: Hire(performance=float(perf))
        for app_id, perf in session.execute(
            select(PerformanceReview.application_id, func.avg(PerformanceReview.score))
            .join(Application, Application.id == PerformanceReview.application_id)
            .where(*live, PerformanceReview.deleted.is_(false()))
            .group_by(PerformanceReview.application_id)
        )
    }
    if not hires:
        return hires, {}
    # Only the reviewed hires' scores: a few thousand of a position's many applications.
    reviewed = select(PerformanceReview.application_id).where(
        PerformanceReview.deleted.is_(false())
    )
    latest = latest_application_scores(*live, _A.c.id.in_(reviewed))
    _D = ScoreDimension.__table__
    # One round trip: each latest score with its dimensions (outer join: a score without any).
    rows = session.execute(
        select(
            latest.c.application_id, latest.c.overall,
            _D.c.key, _D.c.label, _D.c.score, _D.c.max_score,
        ).outerjoin(_D, _D.c.score_id == latest.c.score_id)
    )  # fmt: skip
    labels: dict[str, str] = {}
    for app_id, overall, key, label, score, max_score in rows:
        hire = hires.get(app_id)
        if hire is None:
            continue
        hire.overall = float(overall)
        if key is not None:
            hire.dimensions[key] = score * 100 / max_score if max_score else score
            labels.setdefault(key, label)
    for app_id, completion in session.execute(
        select(TrainingProgress.application_id, func.avg(TrainingProgress.completion))
        .join(Application, Application.id == TrainingProgress.application_id)
        .where(*live, TrainingProgress.deleted.is_(false()))
        .group_by(TrainingProgress.application_id)
    ):
        if app_id in hires:
            hires[app_id].completion = float(completion)
    return hires, labels


def cutoff_statement(
    pairs: list[tuple[float, float]], *, cutoff: float, measure: str, label: str, lang: str
) -> CutoffStatement:
    """Mean performance of (score, performance) pairs at or above `cutoff` against the rest."""
    text = _TEXT["en" if lang == "en" else "zh"]
    above = [p for s, p in pairs if s >= cutoff]
    below = [p for s, p in pairs if s < cutoff]
    ma, mb = mean(above), mean(below)
    diff = (ma - mb) / mb * 100 if ma is not None and mb else None
    sentence = ""
    if diff is not None and ma is not None and mb is not None:
        sign = text["higher"] if diff >= 0 else text["lower"]
        sentence = text["cutoff"].format(
            label=label, cutoff=cutoff, na=len(above), ma=ma, nb=len(below), mb=mb,
            diff=abs(diff), sign=sign,
        )  # fmt: skip
    return CutoffStatement(
        measure, label, cutoff, len(above), ma, len(below), mb,
        round(diff, 2) if diff is not None else None, sentence,
    )  # fmt: skip


def _paired(hires: list[Hire], value: Any) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for hire in hires:
        x = value(hire)
        if x is not None:
            xs.append(x)
            ys.append(hire.performance)
    return xs, ys


def _by_dimension(scored: list[Hire], measure: str) -> dict[str, list[Hire]]:
    """The hires with each dimension; `measure` must be `overall` or one of them."""
    by_key: dict[str, list[Hire]] = defaultdict(list)
    for hire in scored:
        for key in hire.dimensions:
            by_key[key].append(hire)
    if measure != "overall" and measure not in by_key:
        raise InvalidInput(
            f"measure must be overall or a dimension of the hires' scores: {sorted(by_key)}",
            code="unknown_measure",
        )
    return by_key


def validity_report(
    hires: dict[str, Hire],
    *,
    position_id: str,
    min_sample: int,
    cutoff: float,
    measure: str,
    labels: dict[str, str],
    lang: str,
) -> ValidityReport:
    """The report from the hires' values (pure)."""
    text = _TEXT["en" if lang == "en" else "zh"]
    scored = [h for h in hires.values() if h.overall is not None]
    n = len(scored)
    if n < min_sample:
        message = text["not_enough"].format(n=n, m=min_sample)
        return ValidityReport(
            position_id,
            n,
            min_sample,
            False,
            message,
            caveats=_CAVEATS["en" if lang == "en" else "zh"],
        )
    by_key = _by_dimension(scored, measure)
    dimensions = [
        DimensionValidity(
            key, labels.get(key, key), correlate(*_paired(group, lambda h, k=key: h.dimensions[k]))
        )
        for key, group in sorted(by_key.items())
        if len(group) >= min_sample
    ]
    overall_pairs = _paired(scored, lambda h: h.overall)
    completion = _paired(scored, lambda h: h.completion)
    picked = _paired(
        scored, lambda h: h.overall if measure == "overall" else h.dimensions.get(measure)
    )
    label = text["overall"] if measure == "overall" else labels.get(measure, measure)
    return ValidityReport(
        position_id=position_id,
        n=n,
        min_sample=min_sample,
        enough=True,
        message=None,
        overall=correlate(*overall_pairs),
        dimensions=dimensions,
        cutoff=cutoff_statement(
            list(zip(*picked, strict=True)), cutoff=cutoff, measure=measure, label=label, lang=lang
        ),
        training=correlate(*completion) if len(completion[0]) >= min_sample else None,
        points=[(round(x, 2), round(y, 2)) for x, y in zip(*overall_pairs, strict=True)],
        caveats=_CAVEATS["en" if lang == "en" else "zh"],
    )


def get_validity_for_viewer(
    session: Session,
    viewer: Viewer,
    position_id: str,
    *,
    min_sample: int,
    defaults: PolicyConfig,
    lang: str,
    cutoff: float | None = None,
    measure: str = "overall",
) -> ValidityReport:
    """The position's validity report; the cut-off defaults to the policy's advance threshold."""
    require_staff(viewer)
    get_position_for_viewer(session, viewer, position_id)
    hires, labels = _hires(session, position_id)
    if cutoff is None:
        cutoff = get_effective_policy(
            session, position_id, defaults=defaults
        ).config.advance_threshold
    session.rollback()  # read only
    return validity_report(
        hires,
        position_id=position_id,
        min_sample=min_sample,
        cutoff=cutoff,
        measure=measure,
        labels=labels,
        lang=lang,
    )
