"""The spreadsheet import's own records: saved column mappings and previewed imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow


class ImportMapping(Base):
    """How one source's headers map to contract fields, saved when an import is applied."""

    __tablename__ = "import_mapping"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # {header as written in the file: field}, a field being a name of services.imports.fields.
    columns: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ScoreImport(Base):
    """One uploaded export: its rows as read, the preview's verdict, then what applying did."""

    __tablename__ = "score_import"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))  # xlsx | csv
    encoding: Mapped[str | None] = mapped_column(String(16))  # csv only
    mapping_name: Mapped[str] = mapped_column(String(64))
    columns: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16))  # previewed | applied
    # [{"row": n, "values": {...}}]: the rows that passed, read into contract values.
    rows: Mapped[list[Any]] = mapped_column(JSONType)
    rejected: Mapped[list[Any]] = mapped_column(JSONType)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]
