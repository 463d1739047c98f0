"""The interviewer endpoints' request and response models (OpenAPI through miniapp_api.spec)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from miniapp_api.schemas import Model

Result = Literal["pass", "hold", "fail"]  # storage.vocabulary.FEEDBACK_RESULTS


class RoundOut(Model):
    interview_id: str
    application_id: str
    candidate_name: str
    position: str
    round: int
    kind: str
    status: str
    scheduled_at: datetime | None
    ends_at: datetime | None
    duration_minutes: int
    location: str | None
    meeting_url: str | None
    upcoming: bool
    feedback_given: bool


class RoundList(Model):
    items: list[RoundOut]


class RatingIn(Model):
    key: str = Field(min_length=1, max_length=100)
    label: str | None = Field(default=None, max_length=200)
    score: float = Field(ge=0, le=1000)
    max_score: float = Field(gt=0, le=1000)


class RatingOut(Model):
    key: str
    label: str | None = None
    score: float | None
    max_score: float


class DimensionOut(Model):
    key: str
    label: str
    score: float
    max_score: float


class AiReportOut(Model):
    score_id: str
    overall: float
    dimensions: list[DimensionOut]


class ProbeOut(Model):
    key: str
    label: str
    score: float
    max_score: float
    questions: list[str]


class FeedbackOut(Model):
    feedback_id: str
    staff_id: str
    staff_name: str
    version: int
    result: str
    ratings: list[RatingOut]
    comment: str | None
    submitted_at: datetime | None


class InterviewerOut(Model):
    staff_id: str
    name: str
    answered: bool


class BriefingOut(RoundOut):
    ai: AiReportOut | None = Field(description="the application's latest visible AI score")
    weakest: list[ProbeOut] = Field(description="the weakest dimensions, with what to probe")
    interviewers: list[InterviewerOut]
    can_give_feedback: bool = Field(description="the round has started and is not cancelled")
    default_ratings: list[RatingOut] = Field(description="the AI's dimensions, to be rated")
    my_feedback: FeedbackOut | None
    others_feedback: list[FeedbackOut] | None = Field(
        description="null until the caller has given their own feedback"
    )


class FeedbackRequest(Model):
    result: Result
    ratings: list[RatingIn] = Field(max_length=30)
    comment: str | None = Field(default=None, max_length=5000)
    idempotency_key: str = Field(min_length=1, max_length=128)


class DimensionQuestionsOut(Model):
    key: str
    label: str
    questions: list[str]
    stored: bool = Field(description="false: the built-in default")
    updated_by: str | None
    updated_at: datetime | None


class DimensionQuestionsList(Model):
    items: list[DimensionQuestionsOut]


class DimensionQuestionsIn(Model):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    label: str = Field(min_length=1, max_length=200)
    questions: list[str] = Field(min_length=1, max_length=10)
