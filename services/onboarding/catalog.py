"""The admin's training catalogue: rows of (dimension key, below this score -> course title,
hours, kind), versioned like the score policies (a PUT names the version it edits; a stale one
is 409), with a dry run showing the plans the rows would give recent hires. Without a stored
version the built-in rows (training_plan.DEFAULT_ROWS) are in force.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer
from services.decisions.policy_admin import require_admin
from services.errors import Conflict, InvalidInput
from services.onboarding.training_plan import (
    DEFAULT_ROWS,
    KINDS,
    CourseRow,
    Dimension,
    training_plan,
)
from storage.bgcheck_models import OnboardingNotice, TrainingCatalogVersion
from storage.db import unit_of_work
from storage.models import Application, Candidate, ScoreDimension
from storage.scores import latest_application_score

log = logging.getLogger(__name__)
MAX_ROWS = 200
DRY_RUN_HIRES = 20


@dataclass(frozen=True)
class CatalogView:
    version: int  # 0: the built-in rows
    rows: list[CourseRow]
    updated_by: str | None
    updated_at: datetime | None


def _latest(session: Session) -> TrainingCatalogVersion | None:
    return session.scalars(
        select(TrainingCatalogVersion).order_by(TrainingCatalogVersion.version.desc()).limit(1)
    ).first()


def _rows(raw: list[dict[str, Any]]) -> list[CourseRow]:
    return [CourseRow(**r) for r in raw]


def current_catalog(session: Session) -> CatalogView:
    """The catalogue in force (inside the caller's unit of work)."""
    row = _latest(session)
    if row is None:
        return CatalogView(0, list(DEFAULT_ROWS), None, None)
    return CatalogView(row.version, _rows(row.rows), row.updated_by, row.updated_at)


def get_catalog_for_admin(session: Session, viewer: Viewer) -> CatalogView:
    with unit_of_work(session):
        require_admin(session, viewer)
        return current_catalog(session)


def check_rows(rows: list[CourseRow]) -> None:
    """Refuse rows that cannot make a plan."""
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} rows", code="too_many_rows")
    keys = [r.course_key for r in rows]
    if len(set(keys)) != len(keys):
        raise InvalidInput("each course_key once", code="duplicate_course")
    for r in rows:
        if r.kind not in KINDS:
            raise InvalidInput(f"kind: one of {', '.join(KINDS)}", code="bad_kind")
        if not (0 < r.below <= 100) or not (0 < r.hours <= 1000):
            raise InvalidInput("below: 0-100; hours: 0-1000", code="bad_row")


def replace_catalog(
    session: Session, viewer: Viewer, rows: list[CourseRow], *, base_version: int, now: datetime
) -> CatalogView:
    """Store a new version (the one after `base_version`, which must be the current one)."""
    check_rows(rows)
    with unit_of_work(session):
        admin = require_admin(session, viewer)
        current = _latest(session)
        version = current.version if current is not None else 0
        if base_version != version:
            raise Conflict(f"the catalogue is at version {version}", code="stale_version")
        stored = TrainingCatalogVersion(
            version=version + 1,
            rows=[asdict(r) for r in rows],
            updated_by=admin.id,
            updated_at=now,
        )
        session.add(stored)
        session.flush()
        log.info("training catalogue updated", extra={"ctx": {"version": stored.version}})
        return CatalogView(stored.version, rows, admin.id, now)


def plan_of(
    session: Session, application_id: str, *, rows: list[CourseRow] | None = None
) -> list[dict[str, Any]]:
    """The training plan from the application's latest visible score (the catalogue in force
    unless `rows` are given)."""
    row = session.execute(latest_application_score(literal(application_id))).first()
    if row is None:
        return []
    dims = session.scalars(select(ScoreDimension).where(ScoreDimension.score_id == row.score_id))
    found = [Dimension(d.key, d.label, float(d.score), float(d.max_score)) for d in dims]
    table = rows if rows is not None else current_catalog(session).rows
    return [item.as_dict() for item in training_plan(found, table)]


@dataclass(frozen=True)
class HirePlan:
    application_id: str
    candidate_name: str
    plan: list[dict[str, Any]]


def dry_run_catalog(session: Session, viewer: Viewer, rows: list[CourseRow]) -> list[HirePlan]:
    """The plans `rows` would give the most recent hires (and notices), newest first."""
    check_rows(rows)
    with unit_of_work(session):
        require_admin(session, viewer)
        noticed = select(OnboardingNotice.application_id)
        apps = session.scalars(
            select(Application)
            .where((Application.stage == "hired") | Application.id.in_(noticed))
            .order_by(Application.updated_at.desc(), Application.id)
            .limit(DRY_RUN_HIRES)
        ).all()
        out = []
        for app in apps:
            candidate = session.get(Candidate, app.candidate_id)
            name = candidate.name if candidate is not None else ""
            out.append(HirePlan(app.id, name, plan_of(session, app.id, rows=rows)))
        return out
