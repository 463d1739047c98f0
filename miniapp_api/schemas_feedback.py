"""The candidate's feedback section of their report (issue 21): what `GET /api/v1/me/
interviews/{id}` answers when CANDIDATE_SCORE_VISIBILITY includes `feedback`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from miniapp_api.schemas import CandidateReport, Model


class FeedbackLine(Model):
    key: str
    label: str
    text: str


class FitLine(Model):
    key: str
    label: str
    level: Literal["below", "meets", "above"]
    text: str


class CandidateFeedback(Model):
    strengths: list[FeedbackLine]
    work_on: list[FeedbackLine] = Field(description="weak dimensions, each with a suggestion")
    fit_summary: str = Field(description="the fit with the position in words, never thresholds")
    fit: list[FitLine]
    growth: list[FeedbackLine]


class CandidateReportWithFeedback(CandidateReport):
    feedback: CandidateFeedback | None = Field(
        description="when CANDIDATE_SCORE_VISIBILITY includes feedback (else the key is absent);"
        " null until a score is published"
    )


class CandidateReportAnswer(RootModel[CandidateReportWithFeedback | CandidateReport]):
    """The report: with the `feedback` section when the visibility policy includes it."""
