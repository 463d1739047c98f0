"""Score statistics of one position. SQL selects the latest visible score of each live application
once (one window query) and aggregates dimensions and no-shows; the overall figures are computed
from those rows, so a 10k-application position answers fast.

Only published or revised, live scores count, and only the latest per application (by publish
time, then interview round). Quartiles use linear interpolation between closest ranks (numpy's
default, PostgreSQL's percentile_cont).
"""

from __future__ import annotations

from dataclasses import dataclass
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

from services.score_visibility import VISIBLE_STATUSES
from services.visibility import Viewer, get_position_for_viewer
from storage.models import Application, Candidate, Interview, Score, ScoreDimension

SMALL_SAMPLE = 5
BINS = 10
QUANTILE_METHOD = "linear interpolation between closest ranks (numpy default, percentile_cont)"


@dataclass(frozen=True)
class Bin:
    lower: float
    upper: float
    count: int


@dataclass(frozen=True)
class DimensionStats:
    key: str
    label: str
    count: int
    mean: float | None
    histogram: list[Bin]


@dataclass(frozen=True)
class EducationStats:
    education: str
    count: int
    mean: float | None


@dataclass(frozen=True)
class TopEntry:
    application_id: str
    candidate_name: str
    overall: float


@dataclass(frozen=True)
class PositionStats:
    position_id: str
    applications: int
    count: int
    mean: float | None
    median: float | None
    q1: float | None
    q3: float | None
    quantile_method: str
    histogram: list[Bin]
    dimensions: list[DimensionStats]
    top: list[TopEntry]
    by_education: list[EducationStats]
    interviews_due: int
    no_shows: int
    no_show_rate: float | None
    small_sample: bool


def latest_scores(position_id: str) -> Subquery:
    """Return (application_id, score_id, overall) of each live application's latest score."""
    ranked = (
        select(
            Interview.application_id.label("application_id"),
            Score.id.label("score_id"),
            Score.overall.label("overall"),
            func.row_number()
            .over(
                partition_by=Interview.application_id,
                order_by=(Score.published_at.desc().nulls_last(), Interview.round.desc(), Score.id),
            )
            .label("rn"),
        )
        .join(Interview, Interview.id == Score.interview_id)
        .join(Application, Application.id == Interview.application_id)
        .where(
            Application.position_id == position_id,
            Application.deleted.is_(false()),
            Interview.deleted.is_(false()),
            Score.deleted.is_(false()),
            Score.status.in_(VISIBLE_STATUSES),
        )
        .subquery("ranked")
    )
    return (
        select(ranked.c.application_id, ranked.c.score_id, ranked.c.overall)
        .where(ranked.c.rn == 1)
        .subquery("latest")
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


def _histogram(counts: dict[int, int]) -> list[Bin]:
    return [Bin(i * 10.0, i * 10.0 + 10.0, counts.get(i, 0)) for i in range(BINS)]


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolation quantile of sorted values (numpy's default method)."""
    pos = (len(sorted_values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


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
        entry = grouped.setdefault(key, {"label": label, "count": 0, "sum": 0.0, "bins": {}})
        entry["count"] += count
        entry["sum"] += float(total or 0.0)
        if bin_index is not None:
            entry["bins"][int(bin_index)] = entry["bins"].get(int(bin_index), 0) + count
    return [
        DimensionStats(
            key=key,
            label=e["label"],
            count=e["count"],
            mean=e["sum"] / e["count"] if e["count"] else None,
            histogram=_histogram(e["bins"]),
        )
        for key, e in sorted(grouped.items())
    ]


def _no_shows(session: Session, position_id: str, now: datetime) -> tuple[int, int]:
    due = (Interview.status.in_(("attended", "completed", "no_show"))) | (
        (Interview.deadline_at < now) & (Interview.status != "cancelled")
    )
    row = session.execute(
        select(
            func.coalesce(func.sum(case((due, 1), else_=0)), 0),
            func.coalesce(func.sum(case((Interview.status == "no_show", 1), else_=0)), 0),
        )
        .join(Application, Application.id == Interview.application_id)
        .where(
            Application.position_id == position_id,
            Application.deleted.is_(false()),
            Interview.deleted.is_(false()),
        )
    ).one()
    return int(row[0]), int(row[1])


def _score_ids_filter(session: Session, score_ids: list[str]) -> Any:
    # One array parameter on PostgreSQL instead of 10k bound placeholders.
    if session.get_bind().dialect.name == "postgresql":
        return ScoreDimension.score_id == any_(cast(literal(score_ids), ARRAY(String)))
    return ScoreDimension.score_id.in_(score_ids)


def _by_education(rows: list[Any]) -> list[EducationStats]:
    groups: dict[str, list[float]] = {}
    for row in rows:
        groups.setdefault(row.education or "unknown", []).append(float(row.overall))
    return [
        EducationStats(edu, len(values), sum(values) / len(values))
        for edu, values in sorted(groups.items())
    ]


def get_position_stats(
    session: Session, viewer: Viewer, position_id: str, *, top_n: int = 10, now: datetime
) -> PositionStats:
    """Return the score statistics of a position the viewer may see."""
    position = get_position_for_viewer(session, viewer, position_id)
    latest = latest_scores(position.id)
    # The latest-score set is the expensive part: select it once (one row per scored
    # application) and aggregate those rows, instead of re-running it per statistic.
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
    count = len(values)
    bins: dict[int, int] = {}
    for value in values:
        index = BINS - 1 if value >= 100 else max(0, int(value // 10))
        bins[index] = bins.get(index, 0) + 1
    ranked = sorted(rows, key=lambda r: (-float(r.overall), r.application_id))[:top_n]
    applications = session.scalar(
        select(func.count()).where(
            Application.position_id == position.id, Application.deleted.is_(false())
        )
    )
    due, no_shows = _no_shows(session, position.id, now)
    return PositionStats(
        position_id=position.id,
        applications=int(applications or 0),
        count=count,
        mean=sum(values) / count if count else None,
        median=quantile(values, 0.5) if count else None,
        q1=quantile(values, 0.25) if count else None,
        q3=quantile(values, 0.75) if count else None,
        quantile_method=QUANTILE_METHOD,
        histogram=_histogram(bins),
        dimensions=_dimensions(session, [r.score_id for r in rows]),
        top=[TopEntry(r.application_id, r.name, float(r.overall)) for r in ranked],
        by_education=_by_education(list(rows)),
        interviews_due=due,
        no_shows=no_shows,
        no_show_rate=no_shows / due if due else None,
        small_sample=count < SMALL_SAMPLE,
    )
