"""A position's score statistics on any database (SQLite, the embedded default): a window query
selects each live application's latest visible score and the figures are computed from its rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    String,
    Subquery,
    any_,
    case,
    cast,
    false,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from services.views.position_stats_base import (
    BINS,
    Aggregates,
    Counts,
    DimensionStats,
    EducationStats,
    TopEntry,
    add_dimension_bin,
    dimension_stats,
    quantile,
)
from storage.models import Application, Candidate, Interview, ScoreDimension
from storage.scores import latest_application_scores
from storage.vocabulary import ATTENDED_OR_MISSED_STATUSES


def latest_scores(position_id: str) -> Subquery:
    """Return (application_id, score_id, overall, published_at) of each live application's
    latest visible score (storage.scores has the rule)."""
    return latest_application_scores(
        Application.position_id == position_id, Application.deleted.is_(false())
    )


def _bin_of(session: Session, value: Any) -> Any:
    # 100 joins the top bin. PostgreSQL's CAST rounds, so floor there; SQLite's CAST truncates
    # (floor for the non-negative 0-100 range) and may lack floor().
    tenth = value / 10
    if session.get_bind().dialect.name == "postgresql":
        index = cast(func.floor(tenth), Integer)
    else:
        index = cast(tenth, Integer)
    return case((value >= 100, BINS - 1), else_=index)


def _score_ids_filter(session: Session, score_ids: list[str]) -> Any:
    # One array parameter on PostgreSQL instead of 10k bound placeholders.
    if session.get_bind().dialect.name == "postgresql":
        return ScoreDimension.score_id == any_(cast(literal(score_ids), ARRAY(String)))
    return ScoreDimension.score_id.in_(score_ids)


def _dimensions(session: Session, score_ids: list[str]) -> list[DimensionStats]:
    if not score_ids:
        return []
    pct = ScoreDimension.score * 100.0 / func.nullif(ScoreDimension.max_score, 0)
    rows = session.execute(
        select(
            ScoreDimension.key,
            func.max(ScoreDimension.label),
            _bin_of(session, pct).label("bin"),
            func.count(),
            func.sum(ScoreDimension.score),
        )
        .where(_score_ids_filter(session, score_ids))
        .group_by(ScoreDimension.key, "bin")
    ).all()
    grouped: dict[str, dict[str, Any]] = {}
    for key, label, bin_index, count, total in rows:
        add_dimension_bin(
            grouped, key=key, label=label, bin_index=bin_index, count=count, total=total
        )
    return dimension_stats(grouped)


def _by_education(rows: list[Any]) -> list[EducationStats]:
    groups: dict[str, list[float]] = {}
    for row in rows:
        groups.setdefault(row.education or "unknown", []).append(float(row.overall))
    return [
        EducationStats(edu, len(values), sum(values) / len(values))
        for edu, values in sorted(groups.items())
    ]


def aggregate(session: Session, position_id: str, top_n: int) -> Aggregates:
    """Fetch the latest score of each live application of the position and aggregate here."""
    latest = latest_scores(position_id)
    rows = session.execute(
        select(
            latest.c.application_id,
            latest.c.score_id,
            latest.c.overall,
            Candidate.name,
            Candidate.education,
        )
        .join(Application, Application.id == latest.c.application_id)
        .join(Candidate, Candidate.id == Application.candidate_id)
    ).all()
    values = sorted(float(r.overall) for r in rows)
    bins: dict[int, int] = {}
    for value in values:
        index = BINS - 1 if value >= 100 else max(0, int(value // 10))
        bins[index] = bins.get(index, 0) + 1
    ranked = sorted(rows, key=lambda r: (-float(r.overall), r.application_id))[:top_n]
    quartiles = (
        (quantile(values, 0.25), quantile(values, 0.5), quantile(values, 0.75)) if values else None
    )
    return Aggregates(
        count=len(values),
        total=sum(values),
        quartiles=quartiles,
        bins=bins,
        dimensions=_dimensions(session, [r.score_id for r in rows]),
        top=[TopEntry(r.application_id, r.name, float(r.overall)) for r in ranked],
        by_education=_by_education(list(rows)),
    )


def count(session: Session, position_id: str, now: datetime) -> Counts:
    """Count the position's live applications, and its interviews due and missed as of `now`."""
    live = (Application.position_id == position_id, Application.deleted.is_(false()))
    applications = session.scalar(select(func.count()).where(*live)) or 0
    due = Interview.status.in_(ATTENDED_OR_MISSED_STATUSES) | (
        (Interview.deadline_at < now) & (Interview.status != "cancelled")
    )
    row = session.execute(
        select(
            func.coalesce(func.sum(case((due, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Interview.status == "no_show", 1), else_=0)), 0),
        )
        .join(Application, Application.id == Interview.application_id)
        .where(*live, Interview.deleted.is_(false()))
    ).one()
    return Counts(int(applications), int(row[0]), int(row[1]))
