"""background checks and onboarding notices (issue 20)

The backend's record of each application's background check (the consent, the vendor's items,
HR's decision, and the ID-card number encrypted until the check ends), its onboarding notice,
and the versions of the admin's training catalogue.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.base

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "background_check",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("position_id", sa.String(length=64), nullable=False),
        sa.Column("vendor", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("vendor_candidate_id", sa.String(length=64), nullable=True),
        sa.Column("vendor_reference", sa.String(length=64), nullable=True),
        sa.Column("package", sa.String(length=64), nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        _when("decided_at", nullable=True),
        _when("explanation_requested_at", nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        _when("consent_at", nullable=True),
        sa.Column("consent_address", sa.String(length=64), nullable=True),
        sa.Column("consent_text_sha256", sa.String(length=64), nullable=True),
        sa.Column("id_number_encrypted", sa.Text(), nullable=True),
        sa.Column("previous_employers", JSON, nullable=False),
        _when("completed_at", nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_check")),
        sa.UniqueConstraint("application_id", name=op.f("uq_background_check_application_id")),
    )
    with op.batch_alter_table("background_check", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_background_check_candidate_id"), ["candidate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_background_check_vendor_reference"), ["vendor_reference"], unique=False
        )
        batch_op.create_index(
            "ix_background_check_status_updated_at", ["status", "updated_at"], unique=False
        )
    op.create_table(
        "onboarding_notice",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("position_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("join_date", sa.Date(), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("materials", JSON, nullable=False),
        sa.Column("training_plan", JSON, nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        _when("notified_at", nullable=True),
        _when("acknowledged_at", nullable=True),
        sa.Column("preentry_user_id", sa.String(length=64), nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_notice")),
        sa.UniqueConstraint("application_id", name=op.f("uq_onboarding_notice_application_id")),
    )
    with op.batch_alter_table("onboarding_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_notice_candidate_id"), ["candidate_id"], unique=False
        )


    op.create_table(
        "training_catalog_version",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rows", JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_training_catalog_version")),
    )


def downgrade() -> None:
    op.drop_table("training_catalog_version")
    op.drop_table("onboarding_notice")
    op.drop_table("background_check")
