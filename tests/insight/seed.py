"""Hires with AI scores, performance reviews and training, straight through the ORM: for the
insight tests and bench/insight.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storage.models import (
    Application,
    Candidate,
    Interview,
    PerformanceReview,
    Score,
    ScoreDimension,
    TrainingProgress,
)
from tests.factories import NOW


@dataclass(frozen=True)
class HireRow:
    """One application's values; `performance` None: not reviewed (yet)."""

    overall: float
    logic: float
    performance: float | None = None
    completion: float | None = None
    education: str | None = "bachelor"
    stage: str = "hired"


def add_hires(session: Session, position_id: str, rows: Sequence[HireRow], *, prefix: str) -> None:
    """Add a candidate, application, AI interview, published score (dimensions `logic` and
    `communication`), and the review and course each row names."""
    for i, r in enumerate(rows):
        n = f"{prefix}{i:05d}"
        session.add(Candidate(id=f"c-{n}", version=1, name=f"C {n}", education=r.education))
        session.add(
            Application(
                id=f"a-{n}", version=1, candidate_id=f"c-{n}", position_id=position_id,
                stage=r.stage,
            )
        )  # fmt: skip
        session.add(
            Interview(
                id=f"i-{n}", version=1, application_id=f"a-{n}", status="attended", kind="ai",
                round=1, interviewer_names=[],
            )
        )  # fmt: skip
        score = Score(
            id=f"s-{n}", version=1, interview_id=f"i-{n}", status="published", overall=r.overall,
            published_at=NOW,
        )  # fmt: skip
        score.dimensions = [
            ScoreDimension(
                key="logic", label="逻辑思维", score=r.logic / 2, max_score=50, ordinal=0
            ),
            ScoreDimension(
                key="communication", label="沟通表达", score=r.overall, max_score=100, ordinal=1
            ),
        ]
        session.add(score)
        if r.performance is not None:
            session.add(
                PerformanceReview(
                    id=f"pr-{n}", version=1, application_id=f"a-{n}", period="probation",
                    score=r.performance, reviewed_at=NOW,
                )
            )  # fmt: skip
        if r.completion is not None:
            session.add(
                TrainingProgress(
                    id=f"tp-{n}", version=1, application_id=f"a-{n}", course_key="basics",
                    course_title="入职基础", completion=r.completion, exam_score=None,
                    reported_at=NOW,
                )
            )  # fmt: skip
