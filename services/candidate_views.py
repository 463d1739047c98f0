"""What a candidate sees in the mini-app: their interviews, next steps, to-dos and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from services.score_visibility import (
    VISIBLE_STATUSES,
    CommentView,
    DimensionView,
    ScoreView,
    candidate_score_view,
)
from services.visibility import Viewer, candidate_interviews, get_interview_for_candidate
from storage.models import Application, Interview, Position, Score

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


def _todos(application: Application, lang: str) -> list[Todo]:
    todos = []
    for req in application.requirements:
        if req.status in ("missing", "rejected"):
            code = "upload_requirement" if req.status == "missing" else "resubmit_requirement"
            todos.append(Todo(code, labelled(code, lang).label, req.key, req.label))
    return todos


def next_step_code(
    stage: str, interview: Interview, *, has_result: bool, has_todos: bool, now: datetime
) -> str:
    """Derive the candidate's next step from the application stage and interview state."""
    closed = {"rejected": "closed_rejected", "withdrawn": "closed_withdrawn", "hired": "hired"}
    by_status = {"cancelled": "none", "no_show": "contact_hr"}
    code: str
    if stage in closed:
        code = closed[stage]
    elif has_todos:
        code = "complete_todos"
    elif interview.status in by_status:
        code = by_status[interview.status]
    elif interview.status in OPEN_INTERVIEW:
        overdue = interview.deadline_at is not None and interview.deadline_at < now
        code = (
            "contact_hr"
            if overdue
            else ("take_ai_interview" if interview.kind == "ai" else "attend_interview")
        )
    elif stage == "offer":
        code = "respond_offer"
    else:
        code = "await_decision" if has_result else "await_result"
    return code


def progress_steps(stage: str, interviews: Iterable[Interview], lang: str) -> list[ProgressStep]:
    """Return the stage pipeline with the current stage marked (or where a closed one stopped)."""
    if stage in PIPELINE:
        current, state_at = PIPELINE.index(stage), "current"
    else:
        kinds = {iv.kind for iv in interviews}
        reached = "interview" if kinds - {"ai"} else "ai_interview" if kinds else "screening"
        current, state_at = PIPELINE.index(reached), "stopped"
    steps = []
    for index, name in enumerate(PIPELINE):
        state = "done" if index < current else state_at if index == current else "upcoming"
        if name == "hired" and stage == "hired":
            state = "done"
        steps.append(ProgressStep(name, labelled(name, lang).label, state))
    return steps


def _visible_score_ids(session: Session, interview_ids: list[str]) -> dict[str, Score]:
    """Return the latest published/revised live score per interview."""
    if not interview_ids:
        return {}
    scores = session.scalars(
        select(Score)
        .where(
            Score.interview_id.in_(interview_ids),
            Score.deleted.is_(false()),
            Score.status.in_(VISIBLE_STATUSES),
        )
        .order_by(Score.published_at.asc().nulls_first(), Score.version.asc())
    )
    latest: dict[str, Score] = {}
    for score in scores:
        latest[score.interview_id] = score
    return latest


def _interviews_with_result(session: Session, interview_ids: list[str]) -> set[str]:
    # Existence only: loading whole scores would also load their dimensions and comments.
    if not interview_ids:
        return set()
    return set(
        session.scalars(
            select(Score.interview_id).where(
                Score.interview_id.in_(interview_ids),
                Score.deleted.is_(false()),
                Score.status.in_(VISIBLE_STATUSES),
            )
        )
    )


def _interview_view(
    row: tuple[Interview, Application, Position], *, has_result: bool, lang: str, now: datetime
) -> CandidateInterview:
    interview, application, position = row
    todos = _todos(application, lang)
    code = next_step_code(
        application.stage, interview, has_result=has_result, has_todos=bool(todos), now=now
    )
    return CandidateInterview(
        id=interview.id,
        application_id=application.id,
        position_id=position.id,
        position_title=position.title,
        round=interview.round,
        kind=labelled(interview.kind, lang),
        status=labelled(interview.status, lang),
        scheduled_at=interview.scheduled_at,
        deadline_at=interview.deadline_at,
        interviewer_names=list(interview.interviewer_names or []),
        result_available=has_result,
        next_step=labelled(code, lang),
        todos=todos,
    )


def list_interviews_for_candidate(
    session: Session, viewer: Viewer, *, lang: str, now: datetime
) -> list[CandidateInterview]:
    """Return every live interview of the candidate, newest first, with next steps and to-dos."""
    query = candidate_interviews(viewer).order_by(
        Interview.scheduled_at.desc().nulls_last(), Interview.round.desc(), Interview.id
    )
    rows = [(r[0], r[1], r[2]) for r in session.execute(query)]
    with_result = _interviews_with_result(session, [r[0].id for r in rows])
    return [_interview_view(r, has_result=r[0].id in with_result, lang=lang, now=now) for r in rows]


def get_report_for_candidate(
    session: Session,
    viewer: Viewer,
    interview_id: str,
    *,
    policy: frozenset[str],
    lang: str,
    now: datetime,
) -> CandidateReport:
    """Return one interview's report as the company's visibility policy allows; never a draft."""
    row = get_interview_for_candidate(session, viewer, interview_id)
    interview, application, _position = row
    score = _visible_score_ids(session, [interview.id]).get(interview.id)
    siblings = session.scalars(
        select(Interview).where(
            Interview.application_id == application.id, Interview.deleted.is_(false())
        )
    )
    view = None
    if score is not None:
        full = ScoreView(
            score_id=score.id,
            status=score.status,
            overall=score.overall,
            dimensions=tuple(
                DimensionView(d.key, d.label, d.score, d.max_score) for d in score.dimensions
            ),
            comments=tuple(CommentView(c.author, c.text) for c in score.comments),
        )
        view = candidate_score_view(full, policy)
    return CandidateReport(
        interview=_interview_view(row, has_result=view is not None, lang=lang, now=now),
        stage=labelled(application.stage, lang),
        score=view,
        progress=progress_steps(application.stage, siblings, lang),
    )
