"""Request and response models: they validate requests, shape answers and generate OpenAPI."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ErrorBody(Model):
    code: str
    message: str


class ErrorResponse(Model):
    error: ErrorBody


# --- login -------------------------------------------------------------------------------------


class LoginRequest(Model):
    auth_code: str = Field(min_length=1, max_length=256, description="code from dd.getAuthCode")


class LoginResponse(Model):
    token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105
    expires_at: datetime
    roles: list[str]
    staff_role: str | None
    staff_id: str | None
    candidate_id: str | None


# --- candidate ---------------------------------------------------------------------------------


class Labelled(Model):
    code: str
    label: str


class Todo(Model):
    code: str
    label: str
    requirement_key: str | None
    requirement_label: str | None


class CandidateRound(Model):
    duration_minutes: int
    ends_at: datetime | None
    location: str | None
    meeting_url: str | None = Field(description="https only (http in development); null if unsafe")
    upcoming: bool
    confirmation: Labelled | None = Field(
        description="confirmed | reschedule_requested, for the current schedule; null if none"
    )
    cancel_reason: str | None
    interviewer_names: list[str]


class CandidateInterview(Model):
    id: str
    application_id: str
    position_id: str
    position_title: str
    round: int
    kind: Labelled
    status: Labelled
    scheduled_at: datetime | None
    deadline_at: datetime | None
    interviewer_names: list[str]
    result_available: bool
    next_step: Labelled
    todos: list[Todo]
    round_details: CandidateRound | None = Field(description="video/onsite rounds; null for AI")


class CandidateInterviewList(Model):
    items: list[CandidateInterview]


class Dimension(Model):
    key: str
    label: str
    score: float
    max_score: float


class Comment(Model):
    author: str
    text: str


class CandidateScore(Model):
    score_id: str
    status: str
    overall: float | None = Field(description="null when the company's policy hides it")
    dimensions: list[Dimension] | None
    comments: list[Comment] | None


class ProgressStep(Model):
    stage: str
    label: str
    state: Literal["done", "current", "upcoming", "stopped"]


# --- HR ----------------------------------------------------------------------------------------


class CandidateReport(Model):
    interview: CandidateInterview
    stage: Labelled
    score: CandidateScore | None = Field(description="null until a score is published")
    progress: list[ProgressStep]


class PositionSummary(Model):
    id: str
    title: str
    department_id: str
    applications: int


class PositionList(Model):
    items: list[PositionSummary]


# The vocabulary's words as types (pinned by tests/storage/test_vocabulary.py).
Stage = Literal["screening", "ai_interview", "interview", "offer", "hired", "rejected", "withdrawn"]
InterviewStatus = Literal[
    "scheduled", "invited", "opened", "attended", "no_show", "cancelled", "completed"
]


class ApplicationListQuery(Model):
    model_config = ConfigDict(extra="ignore")

    stage: Stage | None = None
    interview_status: InterviewStatus | None = None
    sort: Literal["overall", "dimension"] = "overall"
    dimension: str | None = Field(default=None, max_length=64, description="with sort=dimension")
    top: int | None = Field(default=None, ge=1, le=10000)
    top_percent: float | None = Field(default=None, gt=0, le=100)
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=20, ge=1, le=200)
    scored_since: AwareDatetime | None = Field(
        default=None, description="only scores published at or after this (RFC 3339)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ApplicationListQuery:
        if self.sort == "dimension" and not self.dimension:
            raise ValueError("sort=dimension needs dimension=<key>")
        if self.top is not None and self.top_percent is not None:
            raise ValueError("give top or top_percent, not both")
        return self


class ApplicationRow(Model):
    application_id: str
    candidate_id: str
    candidate_name: str
    education: str | None
    stage: str
    batch: str | None
    score_id: str | None
    overall: float | None
    sort_value: float | None


class Cutoff(Model):
    requested: int = Field(description="N asked for (top) or computed from top_percent")
    score: float | None = Field(description="the N-th best value; everyone at it is included")
    ties_included: int = Field(description="rows beyond N included because they tie the cut-off")


class ApplicationPage(Model):
    items: list[ApplicationRow]
    total: int
    page: int
    per_page: int
    sort: str
    cutoff: Cutoff | None


class Requirement(Model):
    key: str
    label: str
    status: str


class HrScore(Model):
    id: str
    interview_id: str
    status: str
    version: int
    overall: float
    model_version: str | None
    published_at: datetime | None
    dimensions: list[Dimension]
    comments: list[Comment]


class HrInterview(Model):
    id: str
    round: int
    kind: str
    status: str
    scheduled_at: datetime | None
    deadline_at: datetime | None
    interviewer_names: list[str]
    invited_at: datetime | None
    opened_at: datetime | None
    attended_at: datetime | None
    # The rounds after the AI interview (contract v1.1): what the reschedule form starts from.
    duration_minutes: int | None = None
    location: str | None = None
    meeting_url: str | None = None
    interviewer_ids: list[str] = []
    cancel_reason: str | None = None


class ScoreVersion(Model):
    score_id: str
    version: int
    operation: str
    source: str
    applied_at: datetime
    status: str | None
    overall: float | None


class Flag(Model):
    id: int
    score_id: str
    staff_id: str
    note: str
    created_at: datetime


class DecisionOut(Model):
    id: int
    application_id: str
    sequence: int
    decision: str
    actor_staff_id: str | None
    source: str
    reason: str | None
    idempotency_key: str
    writeback_state: str
    created_at: datetime


class TimelineEntry(Model):
    id: int
    purpose: str
    recipient_kind: str
    recipient_id: str
    channel: str
    state: str
    template: str | None
    created_at: datetime
    updated_at: datetime


class PositionRef(Model):
    id: str
    title: str
    department_id: str


class CandidateInfo(Model):
    id: str
    name: str
    education: str | None


class ApplicationReport(Model):
    id: str
    stage: str
    batch: str | None
    stage_changed_at: datetime | None
    position: PositionRef
    candidate: CandidateInfo
    requirements: list[Requirement]
    interviews: list[HrInterview]
    scores: list[HrScore]
    score_history: list[ScoreVersion]
    flags: list[Flag]
    decisions: list[DecisionOut]
    timeline: list[TimelineEntry]


class DecisionRequest(Model):
    decision: Literal["advance", "reject", "hold", "withdraw"]
    reason: str | None = Field(default=None, max_length=2000)
    idempotency_key: str | None = Field(
        default=None, min_length=1, max_length=120, description="same key, same decision"
    )


class FlagRequest(Model):
    note: str = Field(min_length=1, max_length=2000)


class StatsQuery(Model):
    model_config = ConfigDict(extra="ignore")

    top: int = Field(default=10, ge=1, le=100)


class Bin(Model):
    lower: float
    upper: float
    count: int


class DimensionStats(Model):
    key: str
    label: str
    count: int
    mean: float | None
    histogram: list[Bin]


class EducationStats(Model):
    education: str
    count: int
    mean: float | None


class TopEntry(Model):
    application_id: str
    candidate_name: str
    overall: float


class OfferFunnel(Model):
    drafted: int
    sent: int = Field(description="reached the candidate (sent, accepted, declined, expired)")
    accepted: int
    declined: int
    expired: int
    acceptance_rate: float | None = Field(description="accepted / sent; null before any was sent")


class PositionStats(Model):
    position_id: str
    applications: int
    count: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    quantile_method: str
    histogram: list[Bin]
    dimensions: list[DimensionStats]
    top: list[TopEntry]
    by_education: list[EducationStats]
    interviews_due: int
    no_shows: int
    no_show_rate: float | None
    small_sample: bool
    offers: OfferFunnel | None = Field(default=None, description="the offer funnel")
