"""What a candidate sees in the mini-app: their interviews, next steps, to-dos and reports."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, Protocol

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
    VISIBLE_STATUSES,
    CommentView,
    DimensionView,
    ScoreView,
    candidate_score_view,
)
from services.access.sessions import ensure_session_current
from services.access.visibility import Viewer, candidate_interview_rows, candidate_params
from services.errors import NotFound
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
from storage.sql import in_constants, json_rows

PIPELINE = ("screening", "ai_interview", "interview", "offer", "hired")
CLOSED_STAGES = ("rejected", "withdrawn")
OPEN_INTERVIEW = ("scheduled", "invited", "opened")
DONE_INTERVIEW = ("attended", "completed")

# Codes are the API; labels are for display, Chinese by default.
LABELS: dict[str, tuple[str, str]] = {
    "screening": ("简历筛选", "Screening"),
    "ai_interview": ("AI 面试", "AI interview"),
    "interview": ("面试", "Interview"),
    "offer": ("录用意向", "Offer"),
    "hired": ("已入职", "Hired"),
    "rejected": ("未通过", "Not selected"),
    "withdrawn": ("已撤回", "Withdrawn"),
    "ai": ("AI 面试", "AI interview"),
    "video": ("视频面试", "Video interview"),
    "onsite": ("现场面试", "On-site interview"),
    "scheduled": ("已安排", "Scheduled"),
    "invited": ("已邀请", "Invited"),
    "opened": ("已打开", "Opened"),
    "attended": ("已参加", "Attended"),
    "no_show": ("未参加", "Missed"),
    "cancelled": ("已取消", "Cancelled"),
    "completed": ("已完成", "Completed"),
    "upload_requirement": ("请上传材料", "Please upload this document"),
    "resubmit_requirement": ("材料未通过，请重新提交", "Document rejected: please resubmit"),
    "complete_todos": ("请先完成待办事项", "Complete your to-dos"),
    "take_ai_interview": ("请在截止前完成 AI 面试", "Take the AI interview before the deadline"),
    "attend_interview": ("请按时参加面试", "Attend the interview on time"),
    "await_result": ("等待面试结果", "Waiting for the result"),
    "await_decision": ("结果已出，等待 HR 决定", "Result available; HR will decide next"),
    "next_round": (
        "已进入面试环节，请留意面试安排",
        "You are through to the interview round; HR will schedule it",
    ),
    "respond_offer": ("请查看并回复录用意向", "Review and respond to the offer"),
    "contact_hr": ("请联系 HR", "Please contact HR"),
    "none": ("无需操作", "Nothing to do"),
    "closed_rejected": ("流程已结束", "The process has ended"),
    "closed_withdrawn": ("申请已撤回", "Application withdrawn"),
}


@dataclass(frozen=True)
class Labelled:
    code: str
    label: str


@lru_cache(maxsize=512)  # a few dozen codes, two languages; the result is immutable
def labelled(code: str, lang: str) -> Labelled:
    """Return a code with its display label in `lang` ("zh" or "en"); unknown codes show as-is."""
    zh, en = LABELS.get(code, (code, code))
    return Labelled(code, en if lang == "en" else zh)


@dataclass(frozen=True)
class Todo:
    code: str
    label: str
    requirement_key: str | None
    requirement_label: str | None


@dataclass(frozen=True)
class ProgressStep:
    stage: str
    label: str
    state: str  # done | current | upcoming | stopped


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


@dataclass(frozen=True)
class CandidateReport:
    interview: CandidateInterview
    stage: Labelled
    score: ScoreView | None
    progress: list[ProgressStep]


def _todos(requirements: Iterable[tuple[str, str, str]], lang: str) -> list[Todo]:
    """To-dos from (key, label, status) of an application's requirements, in their order."""
    todos = []
    for key, label, status in requirements:
        if status in ("missing", "rejected"):
            code = "upload_requirement" if status == "missing" else "resubmit_requirement"
            todos.append(Todo(code, labelled(code, lang).label, key, label))
    return todos


class InterviewState(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def deadline_at(self) -> datetime | None: ...


def next_step_code(
    stage: str, interview: InterviewState, *, has_result: bool, has_todos: bool, now: datetime
) -> str:
    """Derive the candidate's next step: the application's stage first (a decision HR has made
    outranks the state of any one interview), then open to-dos, then the interview and its result.
    """
    closed = {"rejected": "closed_rejected", "withdrawn": "closed_withdrawn", "hired": "hired"}
    by_status = {"cancelled": "none", "no_show": "contact_hr"}
    code: str
    if stage in closed:
        code = closed[stage]
    elif has_todos:
        code = "complete_todos"
    elif stage == "offer":
        code = "respond_offer"
    elif interview.status in by_status:
        code = by_status[interview.status]
    elif interview.status in OPEN_INTERVIEW:
        overdue = interview.deadline_at is not None and interview.deadline_at < now
        code = (
            "contact_hr"
            if overdue
            else ("take_ai_interview" if interview.kind == "ai" else "attend_interview")
        )
    elif not has_result:
        code = "await_result"
    elif stage == "interview" and interview.kind == "ai":
        # HR has advanced the application past this AI interview: nothing is pending on it.
        code = "next_round"
    else:
        code = "await_decision"
    return code


def progress_steps(stage: str, kinds: Collection[str], lang: str) -> list[ProgressStep]:
    """Return the stage pipeline with the current stage marked (or where a closed one stopped).

    `kinds` are the kinds of the application's live interviews; only whether there is any, and
    any besides "ai", matters.
    """
    if stage in PIPELINE:
        current, state_at = PIPELINE.index(stage), "current"
    else:
        kinds = set(kinds)
        reached = "interview" if kinds - {"ai"} else "ai_interview" if kinds else "screening"
        current, state_at = PIPELINE.index(reached), "stopped"
    steps = []
    for index, name in enumerate(PIPELINE):
        state = "done" if index < current else state_at if index == current else "upcoming"
        if name == "hired" and stage == "hired":
            state = "done"
        steps.append(ProgressStep(name, labelled(name, lang).label, state))
    return steps


_I = Interview.__table__
_A = Application.__table__
_P = Position.__table__
_S = Score.__table__
_R = Requirement.__table__
_D = ScoreDimension.__table__
_C = ScoreComment.__table__
_TODO_STATUSES = ("missing", "rejected")


def _visible_score(score: Any, interview_id: Any) -> Any:
    """Filter on `score` (an alias: subqueries must not correlate with an outer score)."""
    return (
        (score.c.interview_id == interview_id)
        & score.c.deleted.is_(false())
        & in_constants(score.c.status, VISIBLE_STATUSES)
    )


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
        *extra,
    ).outerjoin(_R, (_R.c.application_id == _A.c.id) & in_constants(_R.c.status, _TODO_STATUSES))


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
) -> CandidateInterview:
    todos = _todos(requirements, lang)
    code = next_step_code(row.stage, row, has_result=has_result, has_todos=bool(todos), now=now)
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
        interviewer_names=list(row.interviewer_names or []),
        result_available=has_result,
        next_step=labelled(code, lang),
        todos=todos,
    )


def list_interviews_for_candidate(
    session: Reader, viewer: Viewer, *, lang: str, now: datetime
) -> list[CandidateInterview]:
    """Return every live interview of the candidate, newest first, with next steps and to-dos.

    One Core query (interviews, application, position, open to-dos, whether a result exists).
    """
    rows = _list_query().all(session, candidate_params(viewer))
    if not rows:  # an ended session also reads nothing (the scope checks it): tell them apart
        ensure_session_current(session, viewer)
    return [
        _interview_view(row, reqs, has_result=bool(row.has_result), lang=lang, now=now)
        for row, reqs in _group_rows(rows)
    ]


# The statements are built once per process (building one costs more than running it).
@cache
def _list_query() -> FastRead:
    result = _S.alias("result")
    has_result = exists().where(_visible_score(result, _I.c.id)).label("has_result")
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
        .outerjoin(_S, _S.c.id == _latest_visible_score_id(_I.c.id))
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


def _latest_visible_score_id(interview_id: Any) -> Any:
    """The latest published/revised live score of an interview (by publish time, then version)."""
    latest = _S.alias("latest")
    return (
        select(latest.c.id)
        .where(_visible_score(latest, interview_id))
        .order_by(
            latest.c.published_at.desc().nulls_last(), latest.c.version.desc(), latest.c.id.desc()
        )
        .limit(1)
        .scalar_subquery()
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
) -> CandidateReport:
    """Return one interview's report as the company's visibility policy allows; never a draft."""
    params = {**candidate_params(viewer), "interview_id": interview_id}
    parts = policy & {"dimensions", "comments"}
    grouped = _group_rows(_report_query(frozenset(parts)).all(session, params))
    if not grouped:
        ensure_session_current(session, viewer)  # 401 if the session ended, else not found
        raise NotFound(f"interview {interview_id} not found")
    row, requirements = grouped[0]
    view = None
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
    if row.stage not in PIPELINE and row.kind == "ai":
        # Where a closed application stopped depends on whether it got past AI interviews:
        # only then are the others read (a second round trip for a rare case).
        found = _interview_kinds_query().all(session, {"application_id": row.application_id})
        kinds.update(r.kind for r in found)
    return CandidateReport(
        interview=_interview_view(
            row, requirements, has_result=view is not None, lang=lang, now=now
        ),
        stage=labelled(row.stage, lang),
        score=view,
        progress=progress_steps(row.stage, kinds, lang),
    )
