"""training progress, performance reviews, feedback catalogue, training follow-up (issue 21)

The cache gains the contract v1.1 kinds `training_progress` (its `updated_at` stored as
`reported_at`) and `performance_review`; the backend's own records get the admin's feedback
catalogue and HR's follow-up of each new hire's courses.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.base

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.base.UTCDateTime(timezone=True), nullable=nullable)


def _entity(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        *columns,
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("extra", JSON, nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f(f"ix_{name}_application_id"), ["application_id"], unique=False
        )


def upgrade() -> None:
    _entity(
        "training_progress",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("course_key", sa.String(length=64), nullable=False),
        sa.Column("course_title", sa.String(length=200), nullable=False),
        sa.Column("completion", sa.Float(), nullable=False),
        sa.Column("exam_score", sa.Float(), nullable=True),
        _when("reported_at", nullable=True),
    )
    _entity(
        "performance_review",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        _when("reviewed_at", nullable=True),
    )
    op.create_table(
        "feedback_catalog_entry",
        sa.Column("dimension_key", sa.String(length=64), nullable=False),
        sa.Column("suggestion_zh", sa.Text(), nullable=False),
        sa.Column("suggestion_en", sa.Text(), nullable=False),
        sa.Column("growth_zh", sa.Text(), nullable=True),
        sa.Column("growth_en", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("dimension_key", name=op.f("pk_feedback_catalog_entry")),
    )
    op.create_table(
        "training_followup",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("course_key", sa.String(length=64), nullable=False),
        _when("due_at", nullable=False),
        _when("completion_alerted_at", nullable=True),
        _when("exam_alerted_at", nullable=True),
        _when("coaching_added_at", nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint(
            "application_id", "course_key", name=op.f("pk_training_followup")
        ),
    )


def downgrade() -> None:
    op.drop_table("training_followup")
    op.drop_table("feedback_catalog_entry")
    with op.batch_alter_table("performance_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_performance_review_application_id"))
    op.drop_table("performance_review")
    with op.batch_alter_table("training_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_progress_application_id"))
    op.drop_table("training_progress")
