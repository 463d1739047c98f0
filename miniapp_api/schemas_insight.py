"""Request and response models of the insight endpoints (issue 21)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from miniapp_api.schemas import Model
from miniapp_api.schemas_feedback import CandidateFeedback

# --- feedback catalogue and HR's preview --------------------------------------------------------


class CatalogEntry(Model):
    key: str = Field(
        min_length=1, max_length=64, description='a dimension key, or "*" for any other'
    )
    suggestion_zh: str = Field(min_length=1, max_length=2000)
    suggestion_en: str = Field(min_length=1, max_length=2000)
    growth_zh: str | None = Field(default=None, max_length=2000)
    growth_en: str | None = Field(default=None, max_length=2000)


class FeedbackCatalog(Model):
    items: list[CatalogEntry] = Field(max_length=200)

    @model_validator(mode="after")
    def _unique_keys(self) -> FeedbackCatalog:
        keys = [item.key for item in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError("each dimension key may appear once")
        return self


class FeedbackPreview(Model):
    application_id: str
    score_id: str | None
    visible_to_candidate: bool = Field(description="CANDIDATE_SCORE_VISIBILITY has feedback")
    feedback: CandidateFeedback | None = Field(
        description="exactly the candidate's section; null when they see none"
    )


# --- probation ---------------------------------------------------------------------------------


class CourseResult(Model):
    course_key: str
    course_title: str
    completion: float
    exam_score: float | None


class ReviewResult(Model):
    period: str
    score: float


class ProbationScore(Model):
    application_id: str
    available: bool
    reason: str | None
    performance: float | None
    performance_source: Literal["probation", "mean_of_reviews"] | None
    training_effect: float | None
    training_formula: Literal["mean", "completion", "exam"]
    training_weight: float
    performance_weight: float
    score: float | None
    computation: str | None = Field(description="how the score was computed")
    reviews: list[ReviewResult]
    courses: list[CourseResult]


class CourseFollowup(Model):
    course_key: str
    course_title: str
    completion: float
    exam_score: float | None
    due_at: datetime | None = Field(description="null until the daily sweep has seen the course")
    late: bool = Field(description="past due with completion under the policy's minimum")
    exam_low: bool = Field(description="exam score under the policy's minimum")
    coaching_added_at: datetime | None
    note: str | None


class TrainingList(Model):
    items: list[CourseFollowup]


# --- validity and fairness ---------------------------------------------------------------------


class ValidityQuery(Model):
    model_config = ConfigDict(extra="ignore")

    cutoff: float | None = Field(
        default=None, ge=0, le=100, description="default: the policy's advance threshold"
    )
    measure: str = Field(
        default="overall", min_length=1, max_length=64, description='"overall" or a dimension'
    )


class Correlation(Model):
    n: int
    pearson: float | None
    spearman: float | None
    ci_low: float | None = Field(description="95% interval of Pearson's r (Fisher z)")
    ci_high: float | None


class DimensionValidity(Model):
    key: str
    label: str
    correlation: Correlation


class CutoffStatement(Model):
    measure: str
    label: str
    cutoff: float
    n_at_or_above: int
    mean_at_or_above: float | None
    n_below: int
    mean_below: float | None
    difference_percent: float | None
    text: str


class Validity(Model):
    position_id: str
    n: int = Field(description="hires with performance reviews and an AI score")
    min_sample: int
    enough: bool
    message: str | None = Field(description="why no figures are shown")
    overall: Correlation | None
    dimensions: list[DimensionValidity]
    cutoff: CutoffStatement | None
    training: Correlation | None = Field(description="course completion against performance")
    points: list[tuple[float, float]] = Field(description="(overall, performance) per hire")
    caveats: list[str]


class GroupRate(Model):
    education: str
    suppressed: bool = Field(description="fewer than 10 applications: no figures")
    count: int | None
    advanced: int | None
    rate: float | None
    ratio: float | None = Field(description="rate over the highest shown rate")
    below_four_fifths: bool | None


class Fairness(Model):
    position_id: str
    total: int
    groups: list[GroupRate]
    min_group: int
    threshold: float
    notes: list[str]
