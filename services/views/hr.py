"""What HR see in the mini-app: their positions, ranked applications and full reports."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import Session

from services.access.visibility import (
    Viewer,
    get_application_for_viewer,
    get_position_for_viewer,
    position_scope,
    require_staff,
)
from services.views.position_stats import latest_scores
from storage.action_models import Decision, Delivery, ScoreFlag
from storage.models import Application, Candidate, Interview, Position, Score, ScoreDimension
from storage.sync_models import ChangeHistory


@dataclass(frozen=True)
class PositionSummary:
    id: str
    title: str
    department_id: str
    applications: int


@dataclass(frozen=True)
class ApplicationRow:
    application_id: str
    candidate_id: str
    candidate_name: str
    education: str | None
    stage: str
    batch: str | None
    score_id: str | None
    overall: float | None
    sort_value: float | None


@dataclass(frozen=True)
class Cutoff:
    requested: int
    score: float | None
    ties_included: int


@dataclass(frozen=True)
class ApplicationPage:
    items: list[ApplicationRow]
    total: int
    page: int
    per_page: int
    sort: str
    cutoff: Cutoff | None


@dataclass(frozen=True)
class ApplicationQuery:
    stage: str | None = None
    interview_status: str | None = None
    sort: str = "overall"
    dimension: str | None = None
    top: int | None = None
    top_percent: float | None = None
    page: int = 1
    per_page: int = 20
    # Only applications whose latest visible score was published at or after this (the H5
    # ranking opened from a digest card shows that digest's window).
    scored_since: datetime | None = None


def list_positions_for_viewer(session: Session, viewer: Viewer) -> list[PositionSummary]:
    """Return the positions in the staff viewer's scope with their live application counts."""
    require_staff(viewer)
    counts = (
        select(Application.position_id, func.count().label("n"))
        .where(Application.deleted.is_(false()))
        .group_by(Application.position_id)
        .subquery()
    )
    rows = session.execute(
        select(Position, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.position_id == Position.id)
        .where(position_scope(session, viewer))
        .order_by(Position.title, Position.id)
    ).all()
    return [PositionSummary(p.id, p.title, p.department_id, int(n)) for p, n in rows]


def list_applications_for_position(
    session: Session, viewer: Viewer, position_id: str, query: ApplicationQuery
) -> ApplicationPage:
    """Return one page of a position's applications, filtered, ranked and cut at top N / P %."""
    position = get_position_for_viewer(session, viewer, position_id)
    latest = latest_scores(position.id)
    sort_value: Any = latest.c.overall
    base = (
        select(Application, Candidate.name, Candidate.education, latest.c.score_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
        .outerjoin(latest, latest.c.application_id == Application.id)
        .where(
            Application.position_id == position.id,
            Application.deleted.is_(false()),
            Candidate.deleted.is_(false()),
        )
    )
    if query.sort == "dimension":
        dim = ScoreDimension.__table__.alias("sort_dim")
        base = base.outerjoin(
            dim, and_(dim.c.score_id == latest.c.score_id, dim.c.key == query.dimension)
        )
        sort_value = dim.c.score
    base = base.add_columns(latest.c.overall, sort_value.label("sort_value"))
    if query.stage:
        base = base.where(Application.stage == query.stage)
    if query.scored_since is not None:
        base = base.where(latest.c.published_at >= query.scored_since)
    if query.interview_status:
        base = base.where(
            select(Interview.id)
            .where(
                Interview.application_id == Application.id,
                Interview.deleted.is_(false()),
                Interview.status == query.interview_status,
            )
            .exists()
        )
    cutoff = None
    if query.top is not None or query.top_percent is not None:
        base, cutoff = _cut_top(session, base, sort_value, query)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        base.order_by(sort_value.desc().nulls_last(), Application.id)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    items = [
        ApplicationRow(a.id, a.candidate_id, name, edu, a.stage, a.batch, sid, overall, value)
        for a, name, edu, sid, overall, value in rows
    ]
    sort = f"dimension:{query.dimension}" if query.sort == "dimension" else "overall"
    return ApplicationPage(items, int(total), query.page, query.per_page, sort, cutoff)


def _cut_top(session: Session, base: Any, sort_value: Any, query: ApplicationQuery) -> Any:
    # Ties at the cut-off are kept: everyone scoring the N-th value is in, and we say how many
    # extra rows that added.
    scored = base.where(sort_value.is_not(None))
    count = session.scalar(select(func.count()).select_from(scored.subquery())) or 0
    if query.top is not None:
        wanted = query.top
    else:
        wanted = math.ceil(count * float(query.top_percent or 0) / 100.0)
    wanted_in = min(wanted, count)
    if wanted_in <= 0:
        return scored.where(false()), Cutoff(wanted, None, 0)
    values = scored.with_only_columns(sort_value.label("v")).order_by(sort_value.desc())
    cut = session.scalar(values.offset(wanted_in - 1).limit(1))
    kept = scored.where(sort_value >= cut)
    kept_count = session.scalar(select(func.count()).select_from(kept.subquery())) or 0
    return kept, Cutoff(wanted, float(cut) if cut is not None else None, kept_count - wanted_in)


@dataclass(frozen=True)
class ApplicationReport:
    application: Application
    candidate: Candidate
    position: Position
    interviews: list[Interview]
    scores: list[Score]
    score_history: list[ChangeHistory]
    flags: list[ScoreFlag]
    decisions: list[Decision]
    timeline: list[Delivery]


def get_application_report_for_hr(
    session: Session, viewer: Viewer, application_id: str
) -> ApplicationReport:
    """Return everything HR may see of one application: scores, history, flags, timeline."""
    application = get_application_for_viewer(session, viewer, application_id)
    candidate = session.get_one(Candidate, application.candidate_id)
    position = session.get_one(Position, application.position_id)
    interviews = list(
        session.scalars(
            select(Interview)
            .where(Interview.application_id == application.id, Interview.deleted.is_(false()))
            .order_by(Interview.round, Interview.id)
        )
    )
    ids = [iv.id for iv in interviews]
    scores = list(
        session.scalars(
            select(Score)
            .where(Score.interview_id.in_(ids), Score.deleted.is_(false()))
            .order_by(Score.interview_id, Score.id)
        )
    )
    score_ids = [s.id for s in scores]
    history = session.scalars(
        select(ChangeHistory)
        .where(ChangeHistory.entity_kind == "score", ChangeHistory.entity_id.in_(score_ids))
        .order_by(ChangeHistory.entity_id, ChangeHistory.version, ChangeHistory.id)
    )
    flags = session.scalars(
        select(ScoreFlag).where(ScoreFlag.score_id.in_(score_ids)).order_by(ScoreFlag.id)
    )
    decisions = session.scalars(
        select(Decision).where(Decision.application_id == application.id).order_by(Decision.id)
    )
    timeline = session.scalars(
        select(Delivery)
        .where(Delivery.application_id == application.id)
        .order_by(Delivery.created_at, Delivery.id)
    )
    return ApplicationReport(
        application,
        candidate,
        position,
        interviews,
        scores,
        list(history),
        list(flags),
        list(decisions),
        list(timeline),
    )
