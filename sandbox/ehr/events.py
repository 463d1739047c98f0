"""Builders of contract events (docs/ehr-contract.md) for the demo EHR, the tests and the bench."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
_counter = itertools.count(1)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def event(
    kind: str,
    data: dict[str, Any],
    *,
    op: str = "upserted",
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> dict[str, Any]:
    """One event envelope; `data` must carry `id` and `version`."""
    return {
        "id": event_id or f"evt-{kind}-{data['id']}-v{data['version']}-{next(_counter)}",
        "type": f"{kind}.{op}",
        "occurred_at": iso(occurred_at or BASE_TIME),
        "data": data,
    }


def deleted(kind: str, entity_id: str, version: int, **kw: Any) -> dict[str, Any]:
    return event(kind, {"id": entity_id, "version": version}, op="deleted", **kw)


def department(did: str, version: int = 1, **over: Any) -> dict[str, Any]:
    return {"id": did, "version": version, "name": f"Dept {did}", "parent_id": None, **over}


def staff(sid: str, version: int = 1, **over: Any) -> dict[str, Any]:
    return {
        "id": sid,
        "version": version,
        "name": f"Staff {sid}",
        "dingtalk_user_id": f"u_{sid}",
        "role": "hr_specialist",
        "department_ids": ["d-1"],
        **over,
    }


def position(pid: str, version: int = 1, **over: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "version": version,
        "title": f"Position {pid}",
        "department_id": "d-1",
        "hr_owner_ids": ["st-1"],
        **over,
    }


def candidate(cid: str, version: int = 1, **over: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "version": version,
        "name": f"Candidate {cid}",
        "mobile": None,
        "email": None,
        "dingtalk_user_id": None,
        "education": "bachelor",
        **over,
    }


def application(
    aid: str,
    version: int = 1,
    *,
    candidate_id: str = "cand-1",
    position_id: str = "pos-1",
    **over: Any,
) -> dict[str, Any]:
    return {
        "id": aid,
        "version": version,
        "candidate_id": candidate_id,
        "position_id": position_id,
        "batch": "2026-11",
        "stage": "ai_interview",
        "stage_changed_at": iso(BASE_TIME),
        "requirements": [],
        **over,
    }


def interview(
    iid: str, version: int = 1, *, application_id: str = "app-1", **over: Any
) -> dict[str, Any]:
    return {
        "id": iid,
        "version": version,
        "application_id": application_id,
        "round": 1,
        "kind": "ai",
        "scheduled_at": None,
        "deadline_at": iso(BASE_TIME + timedelta(days=3)),
        "invitation_url": f"https://ehr.example/ai/{iid}",
        "interviewer_names": [],
        "status": "invited",
        "invited_at": iso(BASE_TIME),
        "opened_at": None,
        "attended_at": None,
        **over,
    }


DIMENSIONS = (
    ("communication", "沟通表达"),
    ("service_attitude", "服务意识"),
    ("night_shift", "夜班适应度"),
)


def score(
    sid: str,
    version: int = 1,
    *,
    interview_id: str = "iv-1",
    overall: float = 80,
    status: str = "published",
    **over: Any,
) -> dict[str, Any]:
    dims = [
        {
            "key": key,
            "label": label,
            "score": max(0, min(100, overall + delta)),
            "max_score": 100,
            "weight": round(1 / 3, 4),
        }
        for (key, label), delta in zip(DIMENSIONS, (4, -2, -3), strict=True)
    ]
    return {
        "id": sid,
        "version": version,
        "interview_id": interview_id,
        "status": status,
        "overall": overall,
        "dimensions": dims,
        "comments": [{"author": "AI", "text": "表达清晰，服务意识较好。"}],
        "model_version": "ai-interview-2026.11",
        "published_at": iso(BASE_TIME + timedelta(days=1)) if status != "draft" else None,
        **over,
    }


def round_interview(
    iid: str,
    version: int = 1,
    *,
    application_id: str = "app-1",
    interviewer_ids: tuple[str, ...] = ("st-iv-1", "st-iv-2"),
    **over: Any,
) -> dict[str, Any]:
    """A round after the AI interview (contract v1.1): onsite, scheduled, with interviewers."""
    return interview(
        iid,
        version,
        application_id=application_id,
        **{
            "round": 2,
            "kind": "onsite",
            "scheduled_at": iso(BASE_TIME + timedelta(days=5)),
            "deadline_at": None,
            "invitation_url": None,
            "interviewer_names": [f"Staff {s}" for s in interviewer_ids],
            "status": "scheduled",
            "invited_at": None,
            "interviewer_ids": list(interviewer_ids),
            "duration_minutes": 60,
            "location": "Room 2",
            "meeting_url": None,
            "cancel_reason": None,
            **over,
        },
    )


def feedback(
    fid: str,
    version: int = 1,
    *,
    interview_id: str = "iv-1",
    staff_id: str = "st-iv-1",
    result: str = "pass",
    **over: Any,
) -> dict[str, Any]:
    """An interviewer's feedback on a round (contract v1.1), rated on the AI's dimensions."""
    return {
        "id": fid,
        "version": version,
        "interview_id": interview_id,
        "staff_id": staff_id,
        "result": result,
        "ratings": [
            {"key": key, "label": label, "score": 4, "max_score": 5} for key, label in DIMENSIONS
        ],
        "comment": "沟通顺畅。",
        "submitted_at": iso(BASE_TIME + timedelta(days=5, hours=1)),
        **over,
    }


def training_progress(
    tid: str,
    version: int = 1,
    *,
    application_id: str = "app-1",
    course_key: str = "service_basics",
    completion: float = 50,
    exam_score: float | None = None,
    **over: Any,
) -> dict[str, Any]:
    """A new hire's progress in one course (contract v1.1)."""
    return {
        "id": tid,
        "version": version,
        "application_id": application_id,
        "course_key": course_key,
        "course_title": f"Course {course_key}",
        "completion": completion,
        "exam_score": exam_score,
        "updated_at": iso(BASE_TIME + timedelta(days=40)),
        **over,
    }


def performance_review(
    rid: str,
    version: int = 1,
    *,
    application_id: str = "app-1",
    period: str = "probation",
    score: float = 80,
    **over: Any,
) -> dict[str, Any]:
    """A hire's performance review (contract v1.1)."""
    return {
        "id": rid,
        "version": version,
        "application_id": application_id,
        "period": period,
        "score": score,
        "reviewed_at": iso(BASE_TIME + timedelta(days=90)),
        **over,
    }


BUILDERS = {
    "department": department,
    "staff": staff,
    "position": position,
    "candidate": candidate,
    "application": application,
    "interview": interview,
    "score": score,
    "feedback": feedback,
    "training_progress": training_progress,
    "performance_review": performance_review,
}


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers of a signed webhook request (contract section 3)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-EHR-Timestamp": ts,
        "X-EHR-Signature": f"v1={digest}",
    }


def batch_body(events: list[dict[str, Any]]) -> bytes:
    return json.dumps({"events": events}, ensure_ascii=False).encode()
