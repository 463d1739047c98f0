"""The cache of EHR entities (contract section 2), keyed by EHR id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage import vocabulary
from storage.base import Base, EhrEntityMixin, JSONType

# The words of these columns are defined in storage.vocabulary; kept here for their importers.
STAFF_ROLES = vocabulary.STAFF_ROLES
EDUCATION_LEVELS = vocabulary.EDUCATION_LEVELS
APPLICATION_STAGES = vocabulary.APPLICATION_STAGES
REQUIREMENT_STATUSES = vocabulary.REQUIREMENT_STATUSES
INTERVIEW_KINDS = vocabulary.INTERVIEW_KINDS
INTERVIEW_STATUSES = vocabulary.INTERVIEW_STATUSES
SCORE_STATUSES = vocabulary.SCORE_STATUSES
VISIBLE_SCORE_STATUSES = vocabulary.VISIBLE_SCORE_STATUSES
FEEDBACK_RESULTS = vocabulary.FEEDBACK_RESULTS


class Department(EhrEntityMixin, Base):
    __tablename__ = "department"

    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(String(64), index=True)


class Staff(EhrEntityMixin, Base):
    __tablename__ = "staff"

    name: Mapped[str] = mapped_column(String(200))
    dingtalk_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    departments: Mapped[list[StaffDepartment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def department_ids(self) -> list[str]:
        return [link.department_id for link in self.departments]


class StaffDepartment(Base):
    __tablename__ = "staff_department"

    staff_id: Mapped[str] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True
    )
    department_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Position(EhrEntityMixin, Base):
    __tablename__ = "position"

    title: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[str] = mapped_column(String(64), index=True)
    hr_owners: Mapped[list[PositionHrOwner]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def hr_owner_ids(self) -> list[str]:
        return [link.staff_id for link in self.hr_owners]


class PositionHrOwner(Base):
    __tablename__ = "position_hr_owner"

    position_id: Mapped[str] = mapped_column(
        ForeignKey("position.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Candidate(EhrEntityMixin, Base):
    __tablename__ = "candidate"

    name: Mapped[str] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    dingtalk_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Found by us (DingTalk mobile lookup or first mini-app login) when the EHR gave no user id.
    linked_dingtalk_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    education: Mapped[str | None] = mapped_column(String(32))
    resume_url: Mapped[str | None] = mapped_column(Text)

    @property
    def effective_dingtalk_user_id(self) -> str | None:
        return self.dingtalk_user_id or self.linked_dingtalk_user_id


class Application(EhrEntityMixin, Base):
    __tablename__ = "application"
    __table_args__ = (Index("ix_application_position_stage", "position_id", "stage"),)

    candidate_id: Mapped[str] = mapped_column(String(64), index=True)
    position_id: Mapped[str] = mapped_column(String(64))
    batch: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(32))
    stage_changed_at: Mapped[datetime | None]
    requirements: Mapped[list[Requirement]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="Requirement.ordinal"
    )


class Requirement(Base):
    """A gating requirement of an application (e.g. a health certificate)."""

    __tablename__ = "requirement"

    application_id: Mapped[str] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    ordinal: Mapped[int] = mapped_column(Integer, default=0)


class Interview(EhrEntityMixin, Base):
    __tablename__ = "interview"
    __table_args__ = (
        # The reminder sweeps look up due items by status and time.
        Index("ix_interview_status_invited_at", "status", "invited_at"),
        Index("ix_interview_status_deadline_at", "status", "deadline_at"),
        # The briefing and feedback sweeps (issue 18) find rounds by status and start time.
        Index("ix_interview_status_scheduled_at", "status", "scheduled_at"),
        # Position statistics read a position's interviews by application from this index alone.
        Index(
            "ix_interview_application_id_covering",
            "application_id",
            postgresql_include=["deleted", "round", "status", "deadline_at", "id"],
        ),
    )

    # Indexed by ix_interview_application_id_covering (above).
    application_id: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(16))
    scheduled_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    invitation_url: Mapped[str | None] = mapped_column(Text)
    interviewer_names: Mapped[list[str]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    attended_at: Mapped[datetime | None]
    # Contract v1.1: the rounds after the AI interview.
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(Text)
    meeting_url: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    interviewers: Mapped[list[InterviewInterviewer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def interviewer_ids(self) -> list[str]:
        return [link.staff_id for link in self.interviewers]


class InterviewInterviewer(Base):
    """A staff member assigned to a round (contract v1.1 `interviewer_ids`)."""

    __tablename__ = "interview_interviewer"

    interview_id: Mapped[str] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed: "the rounds I run" is looked up by staff id.
    staff_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Score(EhrEntityMixin, Base):
    __tablename__ = "score"
    __table_args__ = (
        # An interview's latest visible score, from the index alone (position statistics).
        Index(
            "ix_score_interview_id_status_published_at",
            "interview_id",
            "status",
            "published_at",
            "version",
            postgresql_include=["deleted", "overall", "id"],
        ),
        # The score-policy sweep scans a look-back window of publish times every minute.
        Index("ix_score_published_at", "published_at"),
    )

    # Indexed by ix_score_interview_id_status_published_at (above).
    interview_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    overall: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str | None] = mapped_column(String(120))
    published_at: Mapped[datetime | None]
    dimensions: Mapped[list[ScoreDimension]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ScoreDimension.ordinal"
    )
    comments: Mapped[list[ScoreComment]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ScoreComment.ordinal"
    )


class ScoreDimension(Base):
    __tablename__ = "score_dimension"
    __table_args__ = (
        # Position statistics aggregate the dimensions of thousands of scores from the index alone.
        Index(
            "ix_score_dimension_score_id_covering",
            "score_id",
            postgresql_include=["key", "label", "score", "max_score"],
        ),
    )

    score_id: Mapped[str] = mapped_column(
        ForeignKey("score.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    weight: Mapped[float | None] = mapped_column(Float)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)


class ScoreComment(Base):
    __tablename__ = "score_comment"

    score_id: Mapped[str] = mapped_column(
        ForeignKey("score.id", ondelete="CASCADE"), primary_key=True
    )
    ordinal: Mapped[int] = mapped_column(Integer, primary_key=True)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)


class Feedback(EhrEntityMixin, Base):
    """An interviewer's feedback on a round (contract v1.1, kind `feedback`)."""

    __tablename__ = "feedback"
    # One interviewer's feedback on one round, and "has everyone answered" per round.
    __table_args__ = (Index("ix_feedback_interview_id_staff_id", "interview_id", "staff_id"),)

    # Indexed by ix_feedback_interview_id_staff_id (above), which leads with it.
    interview_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16))
    # [{key, label, score, max_score}] as the EHR sent them; read whole, never queried by item.
    ratings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]


class TrainingProgress(EhrEntityMixin, Base):
    """A new hire's progress in one course (contract v1.1, kind `training_progress`)."""

    __tablename__ = "training_progress"

    application_id: Mapped[str] = mapped_column(String(64), index=True)
    course_key: Mapped[str] = mapped_column(String(64))
    course_title: Mapped[str] = mapped_column(String(200))
    completion: Mapped[float] = mapped_column(Float)
    exam_score: Mapped[float | None] = mapped_column(Float)
    # The contract's `updated_at` (storage.ehr_cache.FIELD_COLUMNS): the mixin's `updated_at`
    # is when the cache row changed.
    reported_at: Mapped[datetime | None]


class PerformanceReview(EhrEntityMixin, Base):
    """A hire's performance review (contract v1.1, kind `performance_review`)."""

    __tablename__ = "performance_review"

    application_id: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    reviewed_at: Mapped[datetime | None]


ENTITY_MODELS: dict[str, type[Any]] = {
    "staff": Staff,
    "department": Department,
    "position": Position,
    "candidate": Candidate,
    "application": Application,
    "interview": Interview,
    "score": Score,
    "feedback": Feedback,
    "training_progress": TrainingProgress,
    "performance_review": PerformanceReview,
}
