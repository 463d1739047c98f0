"""drop the single-column indexes that 0005's covering indexes make redundant

ix_interview_application_id and ix_score_interview_id lead with the same column as
ix_interview_application_id_covering and ix_score_interview_id_status_published_at, which
answer every lookup they did; each was one more index to update on every EHR write.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:25:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.drop_index("ix_score_interview_id")
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_application_id")


def downgrade() -> None:
    with op.batch_alter_table("interview", schema=None) as batch_op:
        batch_op.create_index("ix_interview_application_id", ["application_id"], unique=False)
    with op.batch_alter_table("score", schema=None) as batch_op:
        batch_op.create_index("ix_score_interview_id", ["interview_id"], unique=False)
