"""The latest visible score of an interview, and of an application: one rule for every reader.

Visible: live (not a tombstone) and published or revised; a draft never counts (contract 2).

Latest, best first:

1. the latest `published_at`: when the EHR released the result, which is what a candidate, HR
   and a statistic mean by "latest". A visible score without one (the field is optional) comes
   after every score that has one;
2. for an application, the later interview round: of two results released together, the later
   round is further along the process (the statistics page has always said so);
3. the higher `version`: of two scores of one interview released together, the one the EHR has
   revised more;
4. the higher id, only so that the order is total and every database and reader picks the same.

The terms are Core column expressions over the score table (or an alias of it), so the set query
(a window per application: the statistics on SQLite, the HR list, the chat's pending list), the
per-application LATERAL lookup (the statistics on PostgreSQL) and the per-interview lookups (the
candidate's report, a card click) order by the same thing on PostgreSQL and SQLite.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    ScalarSelect,
    Select,
    Subquery,
    false,
    func,
    select,
)
from sqlalchemy.orm import Session

from storage.models import Application, Interview, Score
from storage.sql import in_constants
from storage.vocabulary import VISIBLE_SCORE_STATUSES

_SCORE = Score.__table__
_INTERVIEW = Interview.__table__
_APPLICATION = Application.__table__


def visible(score: FromClause) -> ColumnElement[bool]:
    """Return a condition: the row of `score` (the table or an alias) is live and visible."""
    # Constants in the SQL text, not an expanding parameter: statements compiled once can use it.
    return score.c.deleted.is_(false()) & in_constants(score.c.status, VISIBLE_SCORE_STATUSES)


def latest_first(
    score: FromClause, interview: FromClause | None = None
) -> tuple[ColumnElement[Any], ...]:
    """Return the ORDER BY terms that put the latest score first.

    With `interview` (the interview table or alias joined to `score`), the order ranks the scores
    of an application's interviews; without, the scores of one interview.
    """
    by_round = () if interview is None else (interview.c.round.desc(),)
    return (
        score.c.published_at.desc().nulls_last(),
        *by_round,
        score.c.version.desc(),
        score.c.id.desc(),
    )


def latest_visible_score_id(interview_id: ColumnElement[Any]) -> ScalarSelect[Any]:
    """Return the id of the interview's latest visible score as a scalar subquery (NULL: none).

    Correlate `interview_id` with an outer interview, or bind it.
    """
    latest = _SCORE.alias("latest")  # an alias: it must not correlate with an outer score
    return (
        select(latest.c.id)
        .where(latest.c.interview_id == interview_id, visible(latest))
        .order_by(*latest_first(latest))
        .limit(1)
        .scalar_subquery()
    )


def get_latest_visible_score(session: Session, interview_id: str) -> Score | None:
    """Return the interview's latest visible score, or None."""
    return session.scalars(
        select(Score)
        .where(Score.interview_id == interview_id, visible(_SCORE))
        .order_by(*latest_first(_SCORE))
        .limit(1)
    ).first()


def _scored_interviews(*columns: Any, where: tuple[ColumnElement[bool], ...]) -> Select[Any]:
    # The visible scores of live interviews, with the interview they belong to.
    return (
        select(*columns)
        .select_from(_INTERVIEW.join(_SCORE, _SCORE.c.interview_id == _INTERVIEW.c.id))
        .where(_INTERVIEW.c.deleted.is_(false()), visible(_SCORE), *where)
    )


def latest_application_score(application_id: ColumnElement[Any]) -> Select[Any]:
    """Return (score_id, overall) of the application's latest visible score: one row at most.

    Correlate `application_id` with an outer application (as a LATERAL subquery: one index
    lookup per application), or bind it.
    """
    return (
        _scored_interviews(
            _SCORE.c.id.label("score_id"),
            _SCORE.c.overall.label("overall"),
            where=(_INTERVIEW.c.application_id == application_id,),
        )
        .order_by(*latest_first(_SCORE, _INTERVIEW))
        .limit(1)
    )


def latest_application_scores(*where: ColumnElement[bool], name: str = "latest") -> Subquery:
    """Return (application_id, score_id, overall, published_at) of the latest visible score of
    each application that has one and that `where` (conditions on the application) selects."""
    ranked = (
        _scored_interviews(
            _INTERVIEW.c.application_id.label("application_id"),
            _SCORE.c.id.label("score_id"),
            _SCORE.c.overall.label("overall"),
            _SCORE.c.published_at.label("published_at"),
            func.row_number()
            .over(
                partition_by=_INTERVIEW.c.application_id,
                order_by=latest_first(_SCORE, _INTERVIEW),
            )
            .label("rn"),
            where=where,
        )
        .join(_APPLICATION, _APPLICATION.c.id == _INTERVIEW.c.application_id)
        .subquery("ranked")
    )
    return (
        select(ranked.c.application_id, ranked.c.score_id, ranked.c.overall, ranked.c.published_at)
        .where(ranked.c.rn == 1)
        .subquery(name)
    )
