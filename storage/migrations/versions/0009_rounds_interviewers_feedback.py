"""rounds, interviewers and feedback (contract v1.1, issue 18)

The cache gains the rounds' fields (duration, place, link, cancel reason), their interviewers
(a link table like position_hr_owner) and the `feedback` kind; an index on (status,
scheduled_at) serves the briefing and feedback sweeps. The backend's own state of the rounds
gets its tables: calendar events, the candidate's answers, HR's scheduling requests by
idempotency key, and the interview questions per AI dimension.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False)


def _cache() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("location", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("meeting_url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_interview_status_scheduled_at", ["status", "scheduled_at"], unique=False
        )
    op.create_table(
        "interview_interviewer",
        sa.Column("interview_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interview.id"],
            name=op.f("fk_interview_interviewer_interview_id_interview"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("interview_id", "staff_id", name=op.f("pk_interview_interviewer")),
    )
    with op.batch_alter_table("interview_interviewer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interview_interviewer_staff_id"), ["staff_id"], unique=False
        )
    op.create_table(
        "feedback",
        sa.Column("interview_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("ratings", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("extra", JSON, nullable=False),
        _when(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_interview_id_staff_id", ["interview_id", "staff_id"], unique=False
        )


def _rounds() -> None:
    op.create_table(
        "round_calendar_event",
        sa.Column("interview_id", sa.String(length=64), nullable=False),
        sa.Column("organizer_user_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("attendee_user_ids", JSON, nullable=False),
        sa.Column("schedule_version", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        _when(),
        sa.PrimaryKeyConstraint("interview_id", name=op.f("pk_round_calendar_event")),
    )
    op.create_table(
        "round_response",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("interview_id", sa.String(length=64), nullable=False),
        sa.Column("schedule_version", sa.String(length=64), nullable=False),
        sa.Column("response", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_response")),
        sa.UniqueConstraint(
            "interview_id",
            "schedule_version",
            "response",
            name=op.f("uq_round_response_interview_id_schedule_version_response"),
        ),
    )
    with op.batch_alter_table("round_response", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_round_response_interview_id"), ["interview_id"], unique=False
        )
    op.create_table(
        "round_request",
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("actor_staff_id", sa.String(length=64), nullable=False),
        sa.Column("interview_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer", JSON, nullable=True),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_round_request")),
    )
    op.create_table(
        "dimension_questions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("questions", JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        _when(),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_dimension_questions")),
    )


def upgrade() -> None:
    _cache()
    _rounds()


def downgrade() -> None:
    op.drop_table("dimension_questions")
    op.drop_table("round_request")
    with op.batch_alter_table("round_response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_response_interview_id"))
    op.drop_table("round_response")
    op.drop_table("round_calendar_event")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_interview_id_staff_id")
    op.drop_table("feedback")
    with op.batch_alter_table("interview_interviewer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_interviewer_staff_id"))
    op.drop_table("interview_interviewer")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_status_scheduled_at")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("meeting_url")
        batch_op.drop_column("location")
        batch_op.drop_column("duration_minutes")
