"""the offer's DingTalk e-signature: the signing flow's id in the signature record (issue 19)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offer_signature", schema=None) as batch_op:
        batch_op.add_column(sa.Column("esign_flow_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offer_signature", schema=None) as batch_op:
        batch_op.drop_column("esign_flow_id")
