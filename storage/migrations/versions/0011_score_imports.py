"""score imports: saved column mappings and previewed imports (issue 23)

The spreadsheet import of an AI-interview vendor's export keeps each upload's rows and preview
until it is applied, and the header-to-field mapping of each source so the next export of the
same source imports with no questions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _when(name: str, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, storage.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "import_mapping",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_import_mapping")),
    )
    op.create_table(
        "score_import",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("mapping_name", sa.String(length=64), nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", JSON, nullable=False),
        sa.Column("rejected", JSON, nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _when("created_at"),
        _when("applied_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_import")),
    )


def downgrade() -> None:
    op.drop_table("score_import")
    op.drop_table("import_mapping")
