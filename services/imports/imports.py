"""Use cases of the spreadsheet import: preview an uploaded export, then apply it.

A preview reads the file, maps its columns (given in the request, else saved for the source,
else recognised from the header), reads each row and plans it against the cache: what would be
created, updated or left as it is, and every rejected row with its number, column and reason.
It stores the rows it read, and nothing else changes. Applying plans the stored rows again
against the cache as it is then, and sends the events through the webhook's ingestion
(`ingest_events`: validation, history, outbox, so cards go out), a few hundred rows per
transaction; re-applying what is already in the cache is a no-op, so a crash part-way through
is finished by applying again. The mapping is saved for the source once applied.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from config.settings import Settings
from services.access.visibility import Viewer
from services.ehr.sync import SUMMARY_KEYS, ingest_events
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.imports import fields as f
from services.imports.plan import CREATE, UNCHANGED, UPDATE, Plan, RowPlan, plan_rows
from services.imports.reader import read_table
from services.imports.rows import Column, Problem, missing_fields, read_rows, resolve_columns
from storage.db import unit_of_work
from storage.import_models import ImportMapping, ScoreImport
from storage.models import Staff

SOURCE = "import"
DEFAULT_MAPPING = "default"
ROWS_PER_TRANSACTION = 500
# The most row verdicts and rejections an answer lists; the counts cover them all.
MAX_LISTED = 1000
# An apply that died this long ago (a killed process) may be taken over by a new one.
STALE_APPLY = timedelta(minutes=10)


@dataclass(frozen=True)
class ImportOptions:
    """What the import needs from the settings: limits, the local time zone, the id key."""

    max_rows: int
    max_bytes: int
    tz: tzinfo
    secret: str

    @classmethod
    def from_settings(cls, settings: Settings) -> ImportOptions:
        """The options of the configured limits, working time zone and secret key."""
        return cls(
            max_rows=settings.IMPORT_MAX_ROWS,
            max_bytes=settings.IMPORT_MAX_BYTES,
            tz=ZoneInfo(settings.WORKING_TIMEZONE),
            secret=settings.require("SECRET_KEY"),
        )


@dataclass
class Preview:
    import_id: str | None
    filename: str
    file_format: str
    encoding: str | None
    mapping: str
    columns: list[Column]
    missing_fields: list[str]
    rows: int
    empty_rows: int
    counts: dict[str, int]
    items: list[RowPlan] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)
    status: str = "previewed"


@dataclass
class ApplyResult:
    import_id: str
    status: str
    counts: dict[str, int]
    events: dict[str, int]


def require_import_admin(session: Session, viewer: Viewer) -> Staff:
    """The live admin behind `viewer`, else Forbidden (an import changes company-wide data)."""
    staff = session.get(Staff, viewer.staff_id) if viewer.staff_id else None
    if staff is None or staff.deleted or staff.role != "admin":
        raise Forbidden("imports are run by admins", code="admin_only")
    return staff


def _actor(session: Session, actor: Viewer | str) -> str:
    return require_import_admin(session, actor).id if isinstance(actor, Viewer) else actor


def _check_columns(given: dict[str, str]) -> None:
    for header, name in given.items():
        if name not in f.FIELDS:
            raise InvalidInput(
                f"columns[{header[:60]!r}]: {name[:60]!r} is not one of {', '.join(f.FIELDS)}"
            )


def _check_mapping_name(name: str) -> str:
    name = name.strip()
    if not 0 < len(name) <= 64:
        raise InvalidInput("mapping: a name of 1 to 64 characters")
    return name


def _counts(plan: Plan) -> dict[str, int]:
    counts = Counter(row.action for row in plan.rows)
    rejected = len({p.row for p in plan.problems})
    return {
        CREATE: counts[CREATE],
        UPDATE: counts[UPDATE],
        UNCHANGED: counts[UNCHANGED],
        "rejected": rejected,
    }


def _plan(
    session: Session,
    rows: list[dict[str, Any]],
    columns: list[Column],
    *,
    mapping: str,
    secret: str,
) -> Plan:
    headers = {c.field: c.header for c in columns if c.field != f.IGNORE}
    return plan_rows(session, rows, headers, secret=secret, source=mapping)


def _stored(
    preview: Preview, rows: list[dict[str, Any]], plan: Plan, *, by: str, now: datetime
) -> ScoreImport:
    """The record of a preview, which `apply_import` plans again and applies."""
    return ScoreImport(
        id=preview.import_id,
        filename=preview.filename,
        file_format=preview.file_format,
        encoding=preview.encoding,
        mapping_name=preview.mapping,
        columns={c.header: c.field for c in preview.columns},
        status="previewed",
        rows=rows,
        rejected=[p.__dict__ for p in plan.problems],
        summary=preview.counts,
        result=None,
        created_by=by,
        created_at=now,
    )


def preview_import(
    session: Session,
    actor: Viewer | str,
    *,
    filename: str,
    content: bytes,
    mapping: str = DEFAULT_MAPPING,
    columns: dict[str, str] | None = None,
    options: ImportOptions,
    now: datetime,
    store: bool = True,
) -> Preview:
    """Read and plan an export; store it for `apply_import` unless `store` is False."""
    given = columns or {}
    _check_columns(given)
    mapping = _check_mapping_name(mapping)
    with unit_of_work(session):
        by = _actor(session, actor)
        table = read_table(
            content, filename, max_rows=options.max_rows, max_bytes=options.max_bytes
        )
        saved = session.get(ImportMapping, mapping)
        resolved = resolve_columns(table.headers, saved=saved.columns if saved else {}, given=given)
        preview = Preview(
            None,
            filename[:255],
            table.file_format,
            table.encoding,
            mapping,
            resolved,
            missing_fields(resolved),
            len(table.rows),
            table.empty_rows,
            {},
        )
        if preview.missing_fields:
            preview.status = "needs_mapping"
            return preview
        rows, problems = read_rows(table, resolved, tz=options.tz)
        plan = _plan(session, rows, resolved, mapping=mapping, secret=options.secret)
        plan.problems = sorted([*problems, *plan.problems], key=lambda p: p.row)
        preview.counts = _counts(plan)
        preview.items, preview.rejected = plan.rows[:MAX_LISTED], plan.problems[:MAX_LISTED]
        if store:
            preview.import_id = f"imp-{uuid.uuid4().hex[:24]}"
            session.add(_stored(preview, rows, plan, by=by, now=now))
    return preview


def _claim(session: Session, import_id: str, actor: Viewer | str, now: datetime) -> ScoreImport:
    """Mark the import as being applied (one apply at a time), or say why it cannot be."""
    with unit_of_work(session):
        _actor(session, actor)
        row = session.get(ScoreImport, import_id)
        if row is None:
            raise NotFound(f"import {import_id[:64]} not found")
        if row.status == "applied":
            raise Conflict(f"import {row.id} was applied already", code="already_applied")
        claimed = session.execute(
            update(ScoreImport)
            .where(
                ScoreImport.id == import_id,
                or_(
                    ScoreImport.status == "previewed",
                    ScoreImport.applied_at < now - STALE_APPLY,
                ),
            )
            .values(status="applying", applied_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"import {row.id} is being applied", code="apply_running")
        session.refresh(row)
        return row


def apply_import(
    session: Session,
    actor: Viewer | str,
    import_id: str,
    *,
    options: ImportOptions,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ApplyResult:
    """Apply a previewed import as contract events; `progress` hears of each row batch."""
    stored = _claim(session, import_id, actor, now)
    columns = [Column(i, h, name, "saved") for i, (h, name) in enumerate(stored.columns.items())]
    with unit_of_work(session):
        plan = _plan(
            session, stored.rows, columns, mapping=stored.mapping_name, secret=options.secret
        )
    totals: Counter[str] = Counter()
    stamp = now.isoformat()
    for start in range(0, len(plan.rows), ROWS_PER_TRANSACTION):
        batch = plan.rows[start : start + ROWS_PER_TRANSACTION]
        events = [{**e, "occurred_at": stamp} for row in batch for e in row.events]
        if events:
            totals.update(ingest_events(session, events, source=SOURCE, received_at=now).summary())
        if progress is not None:
            progress(len(batch))
    counts = _counts(plan)
    result = {key: totals[key] for key in SUMMARY_KEYS}
    with unit_of_work(session):
        stored = session.get(ScoreImport, import_id) or stored
        stored.status, stored.applied_at = "applied", now
        stored.result = {"counts": counts, "events": result}
        _save_mapping(session, stored.mapping_name, stored.columns, by=stored.created_by)
    return ApplyResult(import_id, "applied", counts, result)


def _save_mapping(session: Session, name: str, columns: dict[str, Any], *, by: str) -> None:
    row = session.get(ImportMapping, name)
    if row is None:
        session.add(ImportMapping(name=name, columns=dict(columns), updated_by=by))
    else:
        row.columns, row.updated_by = {**row.columns, **columns}, by


def planned_rows(import_row: ScoreImport) -> int:
    """How many rows applying the import goes through (for a progress bar)."""
    return len(import_row.rows)


def get_import(session: Session, import_id: str) -> ScoreImport:
    """A stored import by id, for the command line's progress bar."""
    with unit_of_work(session):
        row = session.get(ScoreImport, import_id)
        if row is None:
            raise NotFound(f"import {import_id[:64]} not found")
        return row
