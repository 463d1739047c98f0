"""Where a candidate stands and what they should do next (pure: no IO): the next step of an
interview, the to-dos of an application, the progress along the pipeline, and display labels."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from storage.vocabulary import (
    BLOCKING_REQUIREMENT_STATUSES,
    CLOSED_STAGES,
    OPEN_INTERVIEW_STATUSES,
    PIPELINE_STAGES,
)

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
    # The candidate's answer to a scheduled round (services/rounds/state.py).
    "confirmed": ("已确认参加", "Confirmed"),
    "reschedule_requested": ("已申请改期", "Asked for another time"),
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

# The to-do of each blocking requirement status (storage.vocabulary).
TODO_CODES = {"missing": "upload_requirement", "rejected": "resubmit_requirement"}
# The next step of each closed stage: a decision HR has made outranks any interview's state.
CLOSED_STEPS = {"rejected": "closed_rejected", "withdrawn": "closed_withdrawn", "hired": "hired"}
# Interview statuses with a step of their own; checked before the open ones (a no-show is open
# to HR, who may extend it, but the candidate can only ask HR).
STATUS_STEPS = {"cancelled": "none", "no_show": "contact_hr"}


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


def todos(requirements: Iterable[tuple[str, str, str]], lang: str) -> list[Todo]:
    """To-dos from (key, label, status) of an application's requirements, in their order."""
    found = []
    for key, label, status in requirements:
        if status in BLOCKING_REQUIREMENT_STATUSES:
            code = TODO_CODES[status]
            found.append(Todo(code, labelled(code, lang).label, key, label))
    return found


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
    code: str
    if stage in CLOSED_STAGES:
        code = CLOSED_STEPS[stage]
    elif has_todos:
        code = "complete_todos"
    elif stage == "offer":
        code = "respond_offer"
    elif interview.status in STATUS_STEPS:
        code = STATUS_STEPS[interview.status]
    elif interview.status in OPEN_INTERVIEW_STATUSES:
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
    if stage in PIPELINE_STAGES:
        current, state_at = PIPELINE_STAGES.index(stage), "current"
    else:
        kinds = set(kinds)
        reached = "interview" if kinds - {"ai"} else "ai_interview" if kinds else "screening"
        current, state_at = PIPELINE_STAGES.index(reached), "stopped"
    steps = []
    for index, name in enumerate(PIPELINE_STAGES):
        state = "done" if index < current else state_at if index == current else "upcoming"
        if name == "hired" and stage == "hired":
            state = "done"
        steps.append(ProgressStep(name, labelled(name, lang).label, state))
    return steps
