"""session revocation: a DingTalk user's mini-app sessions issued before a time are void

Written when a user leaves the organisation; the candidate views check it in the query they
already make, so it costs the hot read path no round trip.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "session_revocation",
        sa.Column("dingtalk_user_id", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", storage.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("dingtalk_user_id", name=op.f("pk_session_revocation")),
    )


def downgrade() -> None:
    op.drop_table("session_revocation")
