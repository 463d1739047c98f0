"""query indexes: covering indexes for position statistics, score publish time for the sweep

The statistics of a position are nested-loop lookups answered from these indexes alone
(PostgreSQL INCLUDE columns; SQLite builds plain indexes on the key columns). The score-policy
sweep scans a look-back window of score.published_at every minute.

Plain CREATE INDEX blocks writes to each table while it builds (about a second per 100k rows).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 06:21:21.618696
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interview_application_id_covering",
            ["application_id"],
            unique=False,
            postgresql_include=["deleted", "round", "status", "deadline_at", "id"],
        )

    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.create_index(
            "ix_score_interview_id_status_published_at",
            ["interview_id", "status", "published_at", "version"],
            unique=False,
            postgresql_include=["deleted", "overall", "id"],
        )
        batch_op.create_index("ix_score_published_at", ["published_at"], unique=False)

    with op.batch_alter_table("score_dimension", schema=None) as batch_op:
        batch_op.create_index(
            "ix_score_dimension_score_id_covering",
            ["score_id"],
            unique=False,
            postgresql_include=["key", "label", "score", "max_score"],
        )


def downgrade() -> None:
    with op.batch_alter_table("score_dimension", schema=None) as batch_op:
        batch_op.drop_index("ix_score_dimension_score_id_covering")

    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_index("ix_score_published_at")
        batch_op.drop_index("ix_score_interview_id_status_published_at")

    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_application_id_covering")
