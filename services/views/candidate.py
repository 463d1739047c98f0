"""What a candidate sees in the mini-app: their interviews, next steps, to-dos and reports, each
read in one statement (the rules of next steps, to-dos and progress are in `candidate_steps`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    String,
    bindparam,
    exists,
    false,
    null,
    select,
)

from services.access.score_visibility import (
    CommentView,
    DimensionView,
    ScoreView,
    candidate_score_view,
)
from services.access.sessions import ensure_session_current
from services.access.visibility import Viewer, candidate_interview_rows, candidate_params
from services.errors import NotFound
from services.insight.candidate_feedback import feedback_for
from services.insight.feedback import CandidateFeedback
from services.views.candidate_rounds import RoundDetails, round_columns, round_details
from services.views.candidate_steps import (
    Labelled,
    ProgressStep,
    Todo,
    labelled,
    next_step_code,
    progress_steps,
    todos,
)
from storage.fastread import FastRead, Reader
from storage.models import (
    Application,
    Interview,
    Position,
    Requirement,
    Score,
    ScoreComment,
    ScoreDimension,
)
from storage.scores import latest_visible_score_id, visible
from storage.sql import in_constants, json_rows
from storage.vocabulary import BLOCKING_REQUIREMENT_STATUSES, PIPELINE_STAGES

# The step rules' names stay importable from here.
__all__ = [
    "CandidateInterview",
    "CandidateReport",
    "CandidateReportWithFeedback",
    "Labelled",
    "ProgressStep",
    "RoundDetails",
    "Todo",
    "get_report_for_candidate",
    "labelled",
    "list_interviews_for_candidate",
    "next_step_code",
    "progress_steps",
]


@dataclass(frozen=True)
class CandidateInterview:
    id: str
    application_id: str
    position_id: str
    position_title: str
    round: int
    kind: Labelled
    status: Labelled
    scheduled_at: datetime | None
    deadline_at: datetime | None
    interviewer_names: list[str]
    result_available: bool
    next_step: Labelled
    todos: list[Todo]
    # The round after the AI interview (video/onsite): time, place or link, the candidate's
    # answer to the current schedule; None for an AI interview (candidate_rounds).
    round_details: RoundDetails | None


@dataclass(frozen=True)
class CandidateReport:
    interview: CandidateInterview
    stage: Labelled
    score: ScoreView | None
    progress: list[ProgressStep]


@dataclass(frozen=True)
class CandidateReportWithFeedback(CandidateReport):
    """The report when the visibility policy includes `feedback` (otherwise the section is
    absent); None until a score is published."""

    feedback: CandidateFeedback | None


_I = Interview.__table__
_A = Application.__table__
_P = Position.__table__
_S = Score.__table__
_R = Requirement.__table__
_D = ScoreDimension.__table__
_C = ScoreComment.__table__


def _interview_rows(*extra: Any) -> Select[Any]:
    # One row per interview and open to-do requirement (outer join: none gives one row).
    return candidate_interview_rows(
        _I.c.id,
        _I.c.round,
        _I.c.kind,
        _I.c.status,
        _I.c.scheduled_at,
        _I.c.deadline_at,
        _I.c.interviewer_names,
        _A.c.id.label("application_id"),
        _A.c.stage,
        _P.c.id.label("position_id"),
        _P.c.title.label("position_title"),
        _R.c.key.label("req_key"),
        _R.c.label.label("req_label"),
        _R.c.status.label("req_status"),
        *round_columns(),
        *extra,
    ).outerjoin(
        _R,
        (_R.c.application_id == _A.c.id) & in_constants(_R.c.status, BLOCKING_REQUIREMENT_STATUSES),
    )


def _group_rows(rows: Iterable[Row[Any]]) -> list[tuple[Row[Any], list[tuple[str, str, str]]]]:
    """Fold the requirement rows of each interview back into (interview row, requirements)."""
    grouped: dict[str, tuple[Row[Any], list[tuple[str, str, str]]]] = {}
    for row in rows:
        entry = grouped.setdefault(row.id, (row, []))
        if row.req_key is not None:
            entry[1].append((row.req_key, row.req_label, row.req_status))
    return list(grouped.values())


def _interview_view(
    row: Row[Any],
    requirements: list[tuple[str, str, str]],
    *,
    has_result: bool,
    lang: str,
    now: datetime,
    allow_http: bool,
) -> CandidateInterview:
    to_do = todos(requirements, lang)
    details = round_details(row, lang=lang, now=now, allow_http=allow_http)
    code = next_step_code(row.stage, row, has_result=has_result, has_todos=bool(to_do), now=now)
    return CandidateInterview(
        id=row.id,
        application_id=row.application_id,
        position_id=row.position_id,
        position_title=row.position_title,
        round=row.round,
        kind=labelled(row.kind, lang),
        status=labelled(row.status, lang),
        scheduled_at=row.scheduled_at,
        deadline_at=row.deadline_at,
        interviewer_names=details.interviewer_names
        if details
        else list(row.interviewer_names or []),
        result_available=has_result,
        next_step=labelled(code, lang),
        todos=to_do,
        round_details=details,
    )


def list_interviews_for_candidate(
    session: Reader, viewer: Viewer, *, lang: str, now: datetime, allow_http: bool = False
) -> list[CandidateInterview]:
    """Return every live interview of the candidate, newest first, with next steps and to-dos.

    One Core query (interviews, application, position, open to-dos, whether a result exists).
    """
    rows = _list_query().all(session, candidate_params(viewer))
    if not rows:  # an ended session also reads nothing (the scope checks it): tell them apart
        ensure_session_current(session, viewer)
    return [
        _interview_view(
            row, reqs, has_result=bool(row.has_result), lang=lang, now=now, allow_http=allow_http
        )
        for row, reqs in _group_rows(rows)
    ]


# The statements are built once per process (building one costs more than running it).
@cache
def _list_query() -> FastRead:
    result = _S.alias("result")  # an alias: it must not correlate with an outer score
    has_result = (
        exists().where(result.c.interview_id == _I.c.id, visible(result)).label("has_result")
    )
    return FastRead(
        _interview_rows(has_result).order_by(
            _I.c.scheduled_at.desc().nulls_last(),
            _I.c.round.desc(),
            _I.c.id,
            _R.c.ordinal,
            _R.c.key,
        )
    )


@cache
def _report_query(parts: frozenset[str]) -> FastRead:
    """One interview's row with its score and, as JSON arrays, the score parts `parts` names
    ("dimensions", "comments"): one round trip for the whole report."""
    # The policy's parts only; a hidden part is not even read. The outer-joined latest score
    # (_S) is what they correlate to.
    dimensions = (
        select(json_rows(_D.c.ordinal, _D.c.key, _D.c.label, _D.c.score, _D.c.max_score))
        .where(_D.c.score_id == _S.c.id)
        .scalar_subquery()
        if "dimensions" in parts
        else null()
    )
    comments = (
        select(json_rows(_C.c.ordinal, _C.c.author, _C.c.text))
        .where(_C.c.score_id == _S.c.id)
        .scalar_subquery()
        if "comments" in parts
        else null()
    )
    return FastRead(
        _interview_rows(
            _S.c.id.label("score_id"),
            _S.c.status.label("score_status"),
            _S.c.overall,
            dimensions.label("dimensions"),
            comments.label("comments"),
        )
        .outerjoin(_S, _S.c.id == latest_visible_score_id(_I.c.id))
        .where(_I.c.id == bindparam("interview_id", type_=String))
        .order_by(_R.c.ordinal, _R.c.key)
    )


@cache
def _interview_kinds_query() -> FastRead:
    # The kinds of an application's live interviews (the caller has scoped the application).
    return FastRead(
        select(_I.c.kind)
        .distinct()
        .where(
            _I.c.application_id == bindparam("application_id", type_=String),
            _I.c.deleted.is_(false()),
        )
    )


def _score_parts(row: Any) -> tuple[tuple[DimensionView, ...], tuple[CommentView, ...]]:
    """The report row's score parts (JSON arrays of [ordinal, ...]) in their display order."""
    dimensions = tuple(
        DimensionView(key, label, score, max_score)
        for _, key, label, score, max_score in sorted(row.dimensions or (), key=_by_ordinal)
    )
    comments = tuple(
        CommentView(author, text) for _, author, text in sorted(row.comments or (), key=_by_ordinal)
    )
    return dimensions, comments


def _by_ordinal(part: list[Any]) -> tuple[int, str]:
    # Ordinal first; the key (or author) breaks ties, as the table's primary key does.
    return part[0], part[1]


def get_report_for_candidate(
    session: Reader,
    viewer: Viewer,
    interview_id: str,
    *,
    policy: frozenset[str],
    lang: str,
    now: datetime,
    allow_http: bool = False,
) -> CandidateReport:
    """Return one interview's report as the company's visibility policy allows; never a draft."""
    params = {**candidate_params(viewer), "interview_id": interview_id}
    parts = policy & {"dimensions", "comments"}
    if "feedback" in policy:  # the feedback is worded from the dimensions, shown or not
        parts |= {"dimensions"}
    grouped = _group_rows(_report_query(frozenset(parts)).all(session, params))
    if not grouped:
        ensure_session_current(session, viewer)  # 401 if the session ended, else not found
        raise NotFound(f"interview {interview_id} not found")
    row, requirements = grouped[0]
    view = None
    dimensions: tuple[DimensionView, ...] = ()
    if row.score_id is not None:
        dimensions, comments = _score_parts(row)
        full = ScoreView(
            score_id=row.score_id,
            status=row.score_status,
            overall=row.overall,
            dimensions=dimensions,
            comments=comments,
        )
        view = candidate_score_view(full, policy)
    kinds = {row.kind}
    if row.stage not in PIPELINE_STAGES and row.kind == "ai":
        # Where a closed application stopped depends on whether it got past AI interviews:
        # only then are the others read (a second round trip for a rare case).
        found = _interview_kinds_query().all(session, {"application_id": row.application_id})
        kinds.update(r.kind for r in found)
    report = CandidateReport(
        interview=_interview_view(
            row,
            requirements,
            has_result=view is not None,
            lang=lang,
            now=now,
            allow_http=allow_http,
        ),
        stage=labelled(row.stage, lang),
        score=view,
        progress=progress_steps(row.stage, kinds, lang),
    )
    if "feedback" not in policy:
        return report
    feedback = (
        feedback_for(session, dimensions, position_id=row.position_id, lang=lang)
        if view is not None
        else None
    )
    return CandidateReportWithFeedback(**report.__dict__, feedback=feedback)
