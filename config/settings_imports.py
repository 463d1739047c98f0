"""Settings of the spreadsheet import of an AI-interview vendor's score export (issue 23)."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # Data rows (the header not counted) one import may hold; a larger file is refused whole,
    # with a message saying to split it.
    IMPORT_MAX_ROWS: int = Field(default=20_000, ge=1, le=1_000_000)
    # Bytes of one uploaded file (.xlsx or .csv); a larger file is refused before it is read.
    IMPORT_MAX_BYTES: int = Field(default=10 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024)
