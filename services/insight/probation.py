"""The probation score of a new hire: training effect x 30% + performance x 70% by default.

Weights and the training-effect formula are the position policy's (`probation_training_weight`,
`training_effect`). Performance is the `probation` review when there is one, else the mean of the
hire's reviews. The training effect is, per `training_effect`: the mean of the mean completion
and the mean exam score ("mean"; completion alone when no course has an exam), the mean
completion ("completion"), or the mean exam score ("exam"). Without a training effect the score
is not computed: HR sees why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer
from services.decisions.policy import PolicyConfig, get_effective_policy
from services.insight.stats import mean
from storage.models import PerformanceReview, TrainingProgress

PROBATION_PERIOD = "probation"


@dataclass(frozen=True)
class CourseResult:
    course_key: str
    course_title: str
    completion: float
    exam_score: float | None


@dataclass(frozen=True)
class ReviewResult:
    period: str
    score: float


@dataclass(frozen=True)
class ProbationScore:
    application_id: str
    available: bool
    reason: str | None
    performance: float | None
    performance_source: str | None  # "probation" | "mean_of_reviews"
    training_effect: float | None
    training_formula: str
    training_weight: float
    performance_weight: float
    score: float | None
    computation: str | None  # "0.3 × 75 + 0.7 × 82 = 79.9"
    reviews: list[ReviewResult]
    courses: list[CourseResult]


def training_effect(courses: Sequence[CourseResult], formula: str) -> float | None:
    """The training effect of the courses under `formula` (pure)."""
    completion = mean([c.completion for c in courses])
    exam = mean([c.exam_score for c in courses if c.exam_score is not None])
    if formula == "completion":
        return completion
    if formula == "exam":
        return exam
    if completion is None:
        return None
    return completion if exam is None else (completion + exam) / 2


def probation_score(
    application_id: str,
    reviews: Sequence[ReviewResult],
    courses: Sequence[CourseResult],
    config: PolicyConfig,
) -> ProbationScore:
    """Compute the probation score with how it was computed (pure)."""
    probation = [r.score for r in reviews if r.period == PROBATION_PERIOD]
    performance = mean(probation) if probation else mean([r.score for r in reviews])
    source = None if performance is None else ("probation" if probation else "mean_of_reviews")
    effect = training_effect(courses, config.training_effect)
    wt = config.probation_training_weight
    wp = round(1 - wt, 4)
    reason, score, computation = None, None, None
    if performance is None:
        reason = "no performance review yet"
    elif effect is None:
        reason = f"no training result for the formula {config.training_effect!r}"
    else:
        score = round(wt * effect + wp * performance, 2)
        computation = f"{wt:g} × {effect:.2f} + {wp:g} × {performance:.2f} = {score:.2f}"
    return ProbationScore(
        application_id=application_id,
        available=score is not None,
        reason=reason,
        performance=round(performance, 2) if performance is not None else None,
        performance_source=source,
        training_effect=round(effect, 2) if effect is not None else None,
        training_formula=config.training_effect,
        training_weight=wt,
        performance_weight=wp,
        score=score,
        computation=computation,
        reviews=list(reviews),
        courses=list(courses),
    )


def list_courses(session: Session, application_id: str) -> list[CourseResult]:
    """The live courses of an application, by course key."""
    rows = session.scalars(
        select(TrainingProgress)
        .where(
            TrainingProgress.application_id == application_id,
            TrainingProgress.deleted.is_(False),
        )
        .order_by(TrainingProgress.course_key, TrainingProgress.id)
    )
    return [CourseResult(r.course_key, r.course_title, r.completion, r.exam_score) for r in rows]


def get_probation_for_viewer(
    session: Session, viewer: Viewer, application_id: str, *, defaults: PolicyConfig
) -> ProbationScore:
    """The probation score of an application the staff viewer may see."""
    application = get_application_for_viewer(session, viewer, application_id)
    reviews = [
        ReviewResult(r.period, r.score)
        for r in session.scalars(
            select(PerformanceReview)
            .where(
                PerformanceReview.application_id == application.id,
                PerformanceReview.deleted.is_(False),
            )
            .order_by(PerformanceReview.reviewed_at, PerformanceReview.id)
        )
    ]
    policy = get_effective_policy(session, application.position_id, defaults=defaults)
    result = probation_score(
        application.id, reviews, list_courses(session, application.id), policy.config
    )
    session.rollback()  # read only
    return result
