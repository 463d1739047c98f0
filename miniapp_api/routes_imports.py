"""Spreadsheet import endpoints (admin): upload an export for a preview, then apply it.

The file travels base64-encoded in a JSON body, so the endpoint is declared, validated and
documented like every other; the request may be as large as IMPORT_MAX_BYTES allows once
encoded (the app's 1 MiB limit is for everything else).
"""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, request
from pydantic import Field

from miniapp_api import context as c
from miniapp_api.schemas import Model
from miniapp_api.spec import endpoint
from services.errors import InvalidInput
from services.imports.imports import ImportOptions, apply_import, preview_import
from web_context import db_session, get_runtime

bp = Blueprint("imports", __name__)


class ImportUpload(Model):
    filename: str = Field(min_length=1, max_length=255, description="e.g. scores.xlsx")
    content_base64: str = Field(min_length=1, description="the file's bytes, base64-encoded")
    mapping: str = Field(
        default="default", min_length=1, max_length=64, description="the source's saved mapping"
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="header -> field, overriding the saved or recognised"
    )


class ColumnOut(Model):
    header: str
    field: str
    origin: str = Field(description="given | saved | recognised | unknown | duplicate")


class RowOut(Model):
    row: int
    action: str = Field(description="create | update | unchanged")
    candidate_id: str
    score_id: str
    name: str = Field(description="the candidate's name as the row gives it")
    changes: list[str]


class RejectedOut(Model):
    row: int = Field(description="the row number the spreadsheet shows")
    column: str
    reason: str


class ImportPreviewOut(Model):
    import_id: str | None = Field(description="None while fields are missing from the mapping")
    status: str = Field(description="previewed | needs_mapping")
    filename: str
    file_format: str
    encoding: str | None
    mapping: str
    columns: list[ColumnOut]
    missing_fields: list[str]
    rows: int
    empty_rows: int
    counts: dict[str, int]
    items: list[RowOut] = Field(description="the first 1,000 rows")
    rejected: list[RejectedOut] = Field(description="the first 1,000 problems")


class ImportApplyOut(Model):
    import_id: str
    status: str
    counts: dict[str, int]
    events: dict[str, int]


def _options() -> ImportOptions:
    return ImportOptions.from_settings(get_runtime().settings)


@bp.before_request
def _upload_limit() -> None:
    # base64 takes 4 bytes for 3, and the JSON around it a little more.
    limit = get_runtime().settings.IMPORT_MAX_BYTES
    request.max_content_length = limit * 4 // 3 + 64 * 1024


def _decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("content_base64: not base64", code="invalid_input") from None


@endpoint(
    bp,
    "POST",
    "/admin/imports",
    summary="Upload a score export (.xlsx or .csv) and get its preview (admin)",
    response=ImportPreviewOut,
    body=ImportUpload,
    errors=(413,),
    status=201,
)
def upload(body: ImportUpload) -> ImportPreviewOut:
    preview = preview_import(
        db_session(),
        c.viewer(),
        filename=body.filename,
        content=_decode(body.content_base64),
        mapping=body.mapping,
        columns=body.columns,
        options=_options(),
        now=c.now(),
    )
    return ImportPreviewOut.model_validate(preview.__dict__)


@endpoint(
    bp,
    "POST",
    "/admin/imports/{import_id}/apply",
    summary="Apply a previewed import as contract events (admin)",
    response=ImportApplyOut,
    errors=(409,),
)
def apply(import_id: str) -> ImportApplyOut:
    result = apply_import(db_session(), c.viewer(), import_id, options=_options(), now=c.now())
    return ImportApplyOut.model_validate(result.__dict__)
