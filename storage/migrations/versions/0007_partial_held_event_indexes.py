"""index only held events: ehr_event's state and waiting-for indexes become partial

Every query that used ix_ehr_event_state_received_at or ix_ehr_event_waiting asks for held
events, which are few; every other event (almost all of them) was still entered in both indexes
by every insert of the webhook and the pull, and again when its state was updated.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HELD = sa.text("state = 'held'")


def upgrade() -> None:
    with op.batch_alter_table("ehr_event", schema=None) as batch_op:
        batch_op.drop_index("ix_ehr_event_state_received_at")
        batch_op.drop_index("ix_ehr_event_waiting")
        batch_op.create_index(
            "ix_ehr_event_held_received_at",
            ["received_at"],
            unique=False,
            postgresql_where=HELD,
            sqlite_where=HELD,
        )
        batch_op.create_index(
            "ix_ehr_event_held_waiting",
            ["waiting_for_kind", "waiting_for_id"],
            unique=False,
            postgresql_where=HELD,
            sqlite_where=HELD,
        )


def downgrade() -> None:
    with op.batch_alter_table("ehr_event", schema=None) as batch_op:
        batch_op.drop_index("ix_ehr_event_held_waiting")
        batch_op.drop_index("ix_ehr_event_held_received_at")
        batch_op.create_index(
            "ix_ehr_event_state_received_at", ["state", "received_at"], unique=False
        )
        batch_op.create_index(
            "ix_ehr_event_waiting", ["waiting_for_kind", "waiting_for_id"], unique=False
        )
