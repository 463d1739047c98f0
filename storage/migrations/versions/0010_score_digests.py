"""score digests, notification choice, bulk decisions, escalation of unread messages (issue 22)

HR's score digests (one card per HR member, position and window, with the scores it gathers),
each HR member's own choice between a card per score and digests, and bulk decisions from a
digest card or the H5 ranking; the cards people opened by a click (what the escalation of
unread messages asks; its rungs are deliveries). New tables only: nothing existing is locked or rewritten.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 20:34:38.503457
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.base

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_decision",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("actor_staff_id", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("application_ids", JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_decision")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_bulk_decision_idempotency_key")),
    )
    op.create_table(
        "score_digest",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("position_id", sa.String(length=64), nullable=False),
        sa.Column("window_start", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("out_track_id", sa.String(length=128), nullable=False),
        sa.Column("next_push_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pushes", sa.Integer(), nullable=False),
        sa.Column("last_pushed_at", storage.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirm_ids", JSON, nullable=False),
        sa.Column("bulk_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_digest")),
        sa.UniqueConstraint("out_track_id", name=op.f("uq_score_digest_out_track_id")),
        sa.UniqueConstraint(
            "staff_id",
            "position_id",
            "window_start",
            name=op.f("uq_score_digest_staff_id_position_id_window_start"),
        ),
    )
    with op.batch_alter_table("score_digest", schema=None) as batch_op:
        batch_op.create_index("ix_score_digest_next_push_at", ["next_push_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_score_digest_position_id"), ["position_id"], unique=False
        )

    op.create_table(
        "score_digest_item",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "digest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("score_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("revised", sa.Boolean(), nullable=False),
        sa.Column("added_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_digest_item")),
        sa.UniqueConstraint(
            "digest_id", "score_id", name=op.f("uq_score_digest_item_digest_id_score_id")
        ),
    )
    with op.batch_alter_table("score_digest_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_score_digest_item_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_score_digest_item_digest_id"), ["digest_id"], unique=False
        )

    op.create_table(
        "staff_notify_setting",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("score_notify", sa.String(length=16), nullable=False),
        sa.Column("updated_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_notify_setting")),
    )

    op.create_table(
        "card_read",
        sa.Column("out_track_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("read_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("out_track_id", "user_id", name=op.f("pk_card_read")),
    )


def downgrade() -> None:
    op.drop_table("card_read")
    op.drop_table("staff_notify_setting")
    with op.batch_alter_table("score_digest_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_digest_item_digest_id"))
        batch_op.drop_index(batch_op.f("ix_score_digest_item_application_id"))

    op.drop_table("score_digest_item")
    with op.batch_alter_table("score_digest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_digest_position_id"))
        batch_op.drop_index("ix_score_digest_next_push_at")

    op.drop_table("score_digest")
    op.drop_table("bulk_decision")
