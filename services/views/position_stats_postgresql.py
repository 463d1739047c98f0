"""A position's score statistics on PostgreSQL in one statement, as nested loops over the
position's applications: each one's latest visible score is one index-only LATERAL lookup
(interview by application, score by interview) and its dimensions, education and no-show counts
are index lookups too, so a 10k-application position reads ~10k index entries per table instead
of hashing the whole interview, score and candidate tables. Only a few dozen rows travel back.
The covering indexes are declared in storage/models.py (migration 0005).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    BindParameter,
    CompoundSelect,
    Float,
    Integer,
    Select,
    String,
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

from services.views.position_stats_base import (
    BINS,
    Aggregates,
    Counts,
    EducationStats,
    TopEntry,
    add_dimension_bin,
    dimension_stats,
)
from storage.models import Application, Candidate, Interview, ScoreDimension
from storage.scores import latest_application_score
from storage.vocabulary import ATTENDED_OR_MISSED_STATUSES

_A = Application.__table__
_I = Interview.__table__
_D = ScoreDimension.__table__
_C = Candidate.__table__


def _part(kind: str, **columns: Any) -> list[Any]:
    """One branch of the stats union: every branch has the same typed columns."""
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


def _applications(position_id: BindParameter[str]) -> CTE:
    live_position = (_A.c.position_id == position_id) & _A.c.deleted.is_(false())
    return (
        select(_A.c.id, _A.c.candidate_id)
        .where(live_position)
        .cte("applications")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def _latest(applications: CTE) -> CTE:
    # LIMIT 1 keeps this a per-application lookup: the planner cannot flatten it into a hash join.
    latest_score = latest_application_score(applications.c.id).lateral("latest_score")
    # An index lookup per application (an inner join, as before: no candidate row, no entry).
    candidate = (
        select(_C.c.education)
        .where(_C.c.id == applications.c.candidate_id)
        .limit(1)
        .lateral("candidate")
    )
    return (
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


def _overall_parts(latest: CTE) -> list[Select[Any]]:
    overall = latest.c.overall
    overall_bin = case(
        (overall >= 100, BINS - 1),
        (overall < 0, 0),
        else_=cast(func.floor(overall / 10.0), Integer),
    ).label("bin")
    summary = _part(
        "overall",
        n=func.count(),
        total=func.sum(overall),
        q1=func.percentile_cont(0.25).within_group(overall),
        q2=func.percentile_cont(0.5).within_group(overall),
        q3=func.percentile_cont(0.75).within_group(overall),
    )
    return [
        select(*summary).select_from(latest),
        select(*_part("histogram", bin=overall_bin, n=func.count()))
        .select_from(latest)
        .group_by(overall_bin),
    ]


def _education_part(latest: CTE) -> Select[Any]:
    overall = latest.c.overall
    columns = _part("education", key=latest.c.education, n=func.count(), total=func.sum(overall))
    return select(*columns).select_from(latest).group_by(latest.c.education)


def _dimension_part(latest: CTE) -> Select[Any]:
    # Index lookups per latest score: the planner would otherwise hash the whole score_dimension
    # table for a few thousand rows (its estimates put the two plans close; measured, the hash
    # joins cost 2-4 times as much). OFFSET 0 keeps the LATERAL from being flattened.
    dimension = (
        select(_D.c.key, _D.c.label, _D.c.score, _D.c.max_score)
        .where(_D.c.score_id == latest.c.score_id)
        .offset(literal_column("0"))
        .lateral("dimension")
    )
    # Float operands throughout: an integer divisor would be rendered CAST(... AS NUMERIC), and
    # converting 40k values to numeric and back costs ~30 ms.
    pct = dimension.c.score * 100.0 / func.nullif(dimension.c.max_score, 0.0, type_=Float)
    dim_index = cast(func.floor(pct / 10.0), Integer)
    dim_bin = case((pct >= 100, BINS - 1), else_=dim_index).label("bin")
    columns = _part(
        "dimension",
        key=dimension.c.key,
        label=func.max(dimension.c.label),
        bin=dim_bin,
        n=func.count(),
        total=func.sum(dimension.c.score),
    )
    return (
        select(*columns)
        .select_from(latest.join(dimension, true()))
        .group_by(dimension.c.key, dim_bin)
    )


def _top_part(latest: CTE) -> Select[Any]:
    ranked = (
        select(latest.c.application_id, latest.c.candidate_id, latest.c.overall)
        .order_by(latest.c.overall.desc(), latest.c.application_id.collate("C"))
        .limit(bindparam("top_n", type_=Integer))
        .subquery("ranked")
    )
    columns = _part("top", key=ranked.c.application_id, label=_C.c.name, total=ranked.c.overall)
    return select(*columns).select_from(ranked.join(_C, _C.c.id == ranked.c.candidate_id))


def _interview_parts(applications: CTE) -> list[Select[Any]]:
    # An index lookup per application, as for the dimensions.
    interviews = (
        select(_I.c.status, _I.c.deadline_at)
        .where(_I.c.application_id == applications.c.id, _I.c.deleted.is_(false()))
        .offset(literal_column("0"))
        .lateral("interviews")
    )
    status = interviews.c.status
    now = bindparam("now", type_=_I.c.deadline_at.type)
    due = status.in_(ATTENDED_OR_MISSED_STATUSES) | (
        (interviews.c.deadline_at < now) & (status != "cancelled")
    )
    no_shows = _part(
        "no_shows",
        n=func.coalesce(func.sum(case((due, 1), else_=0)), 0),
        total=cast(func.coalesce(func.sum(case((status == "no_show", 1), else_=0)), 0), Float),
    )
    return [
        select(*_part("applications", n=func.count())).select_from(applications),
        select(*no_shows).select_from(applications.join(interviews, true())),
    ]


@cache
def stats_query() -> CompoundSelect[Any]:
    """All score statistics of a position in one statement (built once per process)."""
    applications = _applications(bindparam("position_id", type_=String))
    latest = _latest(applications)
    return union_all(
        *_overall_parts(latest),
        _dimension_part(latest),
        _education_part(latest),
        _top_part(latest),
        *_interview_parts(applications),
    )


class _Folded:
    """The union's rows folded back into the figures, by the branch (`part`) each came from."""

    def __init__(self) -> None:
        self.count, self.total = 0, 0.0
        self.quartiles: tuple[float, float, float] | None = None
        self.bins: dict[int, int] = {}
        self.dims: dict[str, dict[str, Any]] = {}
        self.top: list[TopEntry] = []
        self.education: dict[str, list[float]] = {}
        self.applications = self.due = self.no_shows = 0

    def add(self, r: Any) -> None:
        if r.part == "overall":
            self.count, self.total = int(r.n), float(r.total or 0.0)
            if self.count:
                self.quartiles = (float(r.q1), float(r.q2), float(r.q3))
        elif r.part == "histogram":
            self.bins[int(r.bin)] = int(r.n)
        elif r.part == "dimension":
            add_dimension_bin(
                self.dims, key=r.key, label=r.label, bin_index=r.bin, count=int(r.n), total=r.total
            )
        elif r.part == "education":
            group = self.education.setdefault(r.key or "unknown", [0.0, 0.0])
            group[0] += int(r.n)
            group[1] += float(r.total)
        elif r.part == "top":
            self.top.append(TopEntry(r.key, r.label, float(r.total)))
        elif r.part == "applications":
            self.applications = int(r.n)
        elif r.part == "no_shows":
            self.due, self.no_shows = int(r.n), int(r.total)

    def aggregates(self) -> Aggregates:
        return Aggregates(
            count=self.count,
            total=self.total,
            quartiles=self.quartiles,
            bins=self.bins,
            dimensions=dimension_stats(self.dims),
            top=sorted(self.top, key=lambda t: (-t.overall, t.application_id)),
            by_education=[
                EducationStats(edu, int(n), total / n)
                for edu, (n, total) in sorted(self.education.items())
            ],
        )


def aggregate_and_count(
    session: Session, position_id: str, *, top_n: int, now: datetime
) -> tuple[Aggregates, Counts]:
    """Compute every figure of the position's statistics in one round trip."""
    # The nested-loop plan's estimated cost crosses jit_above_cost, and JIT compiling it costs more
    # (~12 ms) than it saves. SET LOCAL lasts until the transaction ends; the caller's session is
    # transactional (an autocommit session would ignore it, costing only the JIT time).
    session.execute(text("SET LOCAL jit = off"))
    folded = _Folded()
    params = {"position_id": position_id, "top_n": top_n, "now": now}
    for row in session.execute(stats_query(), params):
        folded.add(row)
    counts = Counts(folded.applications, folded.due, folded.no_shows)
    return folded.aggregates(), counts
