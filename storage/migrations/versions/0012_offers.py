"""offers (contract v1.1 `offer`, issue 19)

The backend's record of each application's offer (its terms, the salary's explanation, the
approval, the link to the EHR's offer), the offer's history, and the candidate's signatures
(click-signed: who, when, from where, and the SHA-256 of the terms shown).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.base

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _moment(name: str, *, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.base.UTCDateTime(timezone=True), nullable=nullable)


def _offer() -> None:
    op.create_table(
        "offer",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("position_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("salary_amount", sa.Integer(), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=False),
        sa.Column("salary_period", sa.String(length=8), nullable=False),
        sa.Column("salary_reason", sa.Text(), nullable=False),
        sa.Column("basis", JSON, nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("benefits", JSON, nullable=False),
        sa.Column("validity_days", sa.Integer(), nullable=False),
        _moment("expires_at"),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=True),
        sa.Column("approval_state", sa.String(length=16), nullable=True),
        sa.Column("approval_by", sa.String(length=64), nullable=True),
        _moment("approval_at"),
        sa.Column("approval_note", sa.Text(), nullable=True),
        sa.Column("ehr_offer_id", sa.String(length=64), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        _moment("sent_at"),
        _moment("responded_at"),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer")),
        sa.UniqueConstraint("application_id", name=op.f("uq_offer_application_id")),
    )
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_candidate_id"), ["candidate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_position_id"), ["position_id"], unique=False)
        batch_op.create_index(
            "ix_offer_status_expires_at", ["status", "expires_at"], unique=False
        )


def _history() -> None:
    op.create_table(
        "offer_event",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        _moment("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_event")),
    )
    with op.batch_alter_table("offer_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_event_offer_id"), ["offer_id"], unique=False)
    op.create_table(
        "offer_signature",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("offer_id", sa.String(length=32), nullable=False),
        sa.Column("candidate_id", sa.String(length=64), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("terms_sha256", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.Text(), nullable=True),
        _moment("signed_at", nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_signature")),
        sa.UniqueConstraint(
            "offer_id", "terms_version", name=op.f("uq_offer_signature_offer_id_terms_version")
        ),
    )
    with op.batch_alter_table("offer_signature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_signature_offer_id"), ["offer_id"], unique=False
        )


def upgrade() -> None:
    _offer()
    _history()


def downgrade() -> None:
    with op.batch_alter_table("offer_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_signature_offer_id"))
    op.drop_table("offer_signature")
    with op.batch_alter_table("offer_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_event_offer_id"))
    op.drop_table("offer_event")
    with op.batch_alter_table("offer", schema=None) as batch_op:
        batch_op.drop_index("ix_offer_status_expires_at")
        batch_op.drop_index(batch_op.f("ix_offer_position_id"))
        batch_op.drop_index(batch_op.f("ix_offer_candidate_id"))
    op.drop_table("offer")
