"""Score statistics of one position. On PostgreSQL one statement finds the latest visible score of
each live application (an index-only lookup per application) and aggregates everything in SQL,
so a 10k-application position answers in well under 200 ms; elsewhere (SQLite) a window query
selects those scores and the overall figures are computed from its rows.

Only published or revised, live scores count, and only the latest per application (by publish
time, then interview round). Quartiles use linear interpolation between closest ranks (numpy's
default, PostgreSQL's percentile_cont).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Float,
    Integer,
    String,
    Subquery,
    any_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from services.access.score_visibility import VISIBLE_STATUSES
from services.access.visibility import Viewer, get_position_for_viewer
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
    return _dimension_stats(grouped)


def _dimension_stats(grouped: dict[str, dict[str, Any]]) -> list[DimensionStats]:
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


@dataclass(frozen=True)
class _Aggregates:
    count: int
    total: float
    quartiles: tuple[float, float, float] | None
    bins: dict[int, int]
    dimensions: list[DimensionStats]
    top: list[TopEntry]
    by_education: list[EducationStats]


def _aggregate_generic(session: Session, position_id: str, top_n: int) -> _Aggregates:
    """Any database: fetch the latest score of each application and aggregate here."""
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
    return _Aggregates(
        count=len(values),
        total=sum(values),
        quartiles=quartiles,
        bins=bins,
        dimensions=_dimensions(session, [r.score_id for r in rows]),
        top=[TopEntry(r.application_id, r.name, float(r.overall)) for r in ranked],
        by_education=_by_education(list(rows)),
    )


_A = Application.__table__
_I = Interview.__table__
_S = Score.__table__
_D = ScoreDimension.__table__
_C = Candidate.__table__


def _part(kind: str, **columns: Any) -> Any:
    """One branch of the PostgreSQL stats union: every branch has the same typed columns."""
    defaults: dict[str, Any] = {
        "key": cast(null(), String),
        "label": cast(null(), String),
        "bin": cast(null(), Integer),
        "n": cast(null(), BigInteger),
        "total": cast(null(), Float),
        "q1": cast(null(), Float),
        "q2": cast(null(), Float),
        "q3": cast(null(), Float),
    }
    defaults.update(columns)
    return [literal(kind, String).label("part")] + [
        value.label(name) for name, value in defaults.items()
    ]


@cache
def _postgresql_stats_query() -> Any:
    """All score statistics of a position in one statement, as nested loops over the position's
    applications: each one's latest visible score is one index-only LATERAL lookup
    (interview by application, score by interview) and its dimensions, education and no-show
    counts are index lookups too, so a 10k-application position reads ~10k index entries per
    table instead of hashing the whole interview, score and candidate tables. Only a few dozen
    rows travel back. The covering indexes are declared in storage/models.py (migration 0005)."""
    position_id = bindparam("position_id", type_=String)
    live_position = (_A.c.position_id == position_id) & _A.c.deleted.is_(false())
    applications = (
        select(_A.c.id, _A.c.candidate_id)
        .where(live_position)
        .cte("applications")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # LIMIT 1 keeps this a per-application lookup: the planner cannot flatten it into a hash join.
    latest_score = (
        select(_S.c.id.label("score_id"), _S.c.overall)
        .select_from(_I.join(_S, _S.c.interview_id == _I.c.id))
        .where(
            _I.c.application_id == applications.c.id,
            _I.c.deleted.is_(false()),
            _S.c.deleted.is_(false()),
            _S.c.status.in_(VISIBLE_STATUSES),
        )
        .order_by(_S.c.published_at.desc().nulls_last(), _I.c.round.desc(), _S.c.id)
        .limit(1)
        .lateral("latest_score")
    )
    # An index lookup per application (an inner join, as before: no candidate row, no entry).
    candidate = (
        select(_C.c.education)
        .where(_C.c.id == applications.c.candidate_id)
        .limit(1)
        .lateral("candidate")
    )
    latest = (
        select(
            applications.c.id.label("application_id"),
            applications.c.candidate_id,
            latest_score.c.score_id,
            latest_score.c.overall,
            candidate.c.education,
        )
        .select_from(applications.join(latest_score, true()).join(candidate, true()))
        .cte("latest")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # Index lookups per latest score and per application: the planner would otherwise hash
    # the whole score_dimension or interview table for a few thousand rows (its
    # estimates put the two plans close; measured, the hash joins cost 2-4 times as much). A
    # LIMIT or OFFSET 0 keeps a LATERAL subquery from being flattened into a plain join.
    dimension = (
        select(_D.c.key, _D.c.label, _D.c.score, _D.c.max_score)
        .where(_D.c.score_id == latest.c.score_id)
        .offset(literal_column("0"))
        .lateral("dimension")
    )
    interviews = (
        select(_I.c.status, _I.c.deadline_at)
        .where(_I.c.application_id == applications.c.id, _I.c.deleted.is_(false()))
        .offset(literal_column("0"))
        .lateral("interviews")
    )
    overall = latest.c.overall
    overall_bin = case(
        (overall >= 100, BINS - 1),
        (overall < 0, 0),
        else_=cast(func.floor(overall / 10.0), Integer),
    ).label("bin")
    # Float operands throughout: an integer divisor would be rendered CAST(... AS NUMERIC), and
    # converting 40k values to numeric and back costs ~30 ms.
    pct = dimension.c.score * 100.0 / func.nullif(dimension.c.max_score, 0.0, type_=Float)
    dim_index = cast(func.floor(pct / 10.0), Integer)
    dim_bin = case((pct >= 100, BINS - 1), else_=dim_index).label("bin")
    ranked = (
        select(latest.c.application_id, latest.c.candidate_id, overall)
        .order_by(overall.desc(), latest.c.application_id.collate("C"))
        .limit(bindparam("top_n", type_=Integer))
        .subquery("ranked")
    )
    status = interviews.c.status
    due = status.in_(("attended", "completed", "no_show")) | (
        (interviews.c.deadline_at < bindparam("now", type_=_I.c.deadline_at.type))
        & (status != "cancelled")
    )
    return union_all(
        select(
            *_part(
                "overall",
                n=func.count(),
                total=func.sum(overall),
                q1=func.percentile_cont(0.25).within_group(overall),
                q2=func.percentile_cont(0.5).within_group(overall),
                q3=func.percentile_cont(0.75).within_group(overall),
            )
        ).select_from(latest),
        select(*_part("histogram", bin=overall_bin, n=func.count()))
        .select_from(latest)
        .group_by(overall_bin),
        select(
            *_part(
                "dimension",
                key=dimension.c.key,
                label=func.max(dimension.c.label),
                bin=dim_bin,
                n=func.count(),
                total=func.sum(dimension.c.score),
            )
        )
        .select_from(latest.join(dimension, true()))
        .group_by(dimension.c.key, dim_bin),
        select(
            *_part(
                "education",
                key=latest.c.education,
                n=func.count(),
                total=func.sum(overall),
            )
        )
        .select_from(latest)
        .group_by(latest.c.education),
        select(
            *_part(
                "top",
                key=ranked.c.application_id,
                label=_C.c.name,
                total=ranked.c.overall,
            )
        ).select_from(ranked.join(_C, _C.c.id == ranked.c.candidate_id)),
        select(*_part("applications", n=func.count())).select_from(applications),
        select(
            *_part(
                "no_shows",
                n=func.coalesce(func.sum(case((due, 1), else_=0)), 0),
                total=cast(
                    func.coalesce(func.sum(case((status == "no_show", 1), else_=0)), 0),
                    Float,
                ),
            )
        ).select_from(applications.join(interviews, true())),
    )


def _postgresql_stats(
    session: Session, position_id: str, top_n: int, now: datetime
) -> tuple[_Aggregates, int, tuple[int, int]]:
    # The nested-loop plan's estimated cost crosses jit_above_cost, and JIT compiling it costs more
    # (~12 ms) than it saves. SET LOCAL lasts until the transaction ends; the caller's session is
    # transactional (an autocommit session would ignore it, costing only the JIT time).
    session.execute(text("SET LOCAL jit = off"))
    rows = session.execute(
        _postgresql_stats_query(), {"position_id": position_id, "top_n": top_n, "now": now}
    ).all()
    count, total, quartiles = 0, 0.0, None
    bins: dict[int, int] = {}
    dims: dict[str, dict[str, Any]] = {}
    top: list[TopEntry] = []
    education: dict[str, list[float]] = {}
    applications, due, no_shows = 0, 0, 0
    for r in rows:
        if r.part == "overall":
            count, total = int(r.n), float(r.total or 0.0)
            if count:
                quartiles = (float(r.q1), float(r.q2), float(r.q3))
        elif r.part == "histogram":
            bins[int(r.bin)] = int(r.n)
        elif r.part == "dimension":
            entry = dims.setdefault(r.key, {"label": r.label, "count": 0, "sum": 0.0, "bins": {}})
            entry["count"] += int(r.n)
            entry["sum"] += float(r.total or 0.0)
            if r.bin is not None:
                entry["bins"][int(r.bin)] = entry["bins"].get(int(r.bin), 0) + int(r.n)
        elif r.part == "education":
            group = education.setdefault(r.key or "unknown", [0.0, 0.0])
            group[0] += int(r.n)
            group[1] += float(r.total)
        elif r.part == "top":
            top.append(TopEntry(r.key, r.label, float(r.total)))
        elif r.part == "applications":
            applications = int(r.n)
        elif r.part == "no_shows":
            due, no_shows = int(r.n), int(r.total)
    top.sort(key=lambda t: (-t.overall, t.application_id))
    aggregates = _Aggregates(
        count=count,
        total=total,
        quartiles=quartiles,
        bins=bins,
        dimensions=_dimension_stats(dims),
        top=top,
        by_education=[
            EducationStats(edu, int(n), total / n) for edu, (n, total) in sorted(education.items())
        ],
    )
    return aggregates, applications, (due, no_shows)


def get_position_stats(
    session: Session, viewer: Viewer, position_id: str, *, top_n: int = 10, now: datetime
) -> PositionStats:
    """Return the score statistics of a position the viewer may see."""
    position = get_position_for_viewer(session, viewer, position_id)
    if session.get_bind().dialect.name == "postgresql":
        agg, applications, (due, no_shows) = _postgresql_stats(session, position.id, top_n, now)
    else:
        agg = _aggregate_generic(session, position.id, top_n)
        applications = int(
            session.scalar(
                select(func.count()).where(
                    Application.position_id == position.id, Application.deleted.is_(false())
                )
            )
            or 0
        )
        due, no_shows = _no_shows(session, position.id, now)
    count = agg.count
    q1, median, q3 = agg.quartiles or (None, None, None)
    return PositionStats(
        position_id=position.id,
        applications=applications,
        count=count,
        mean=agg.total / count if count else None,
        median=median,
        q1=q1,
        q3=q3,
        quantile_method=QUANTILE_METHOD,
        histogram=_histogram(agg.bins),
        dimensions=agg.dimensions,
        top=agg.top,
        by_education=agg.by_education,
        interviews_due=due,
        no_shows=no_shows,
        no_show_rate=no_shows / due if due else None,
        small_sample=count < SMALL_SAMPLE,
    )
