"""Rows for mini-app tests, inserted straight through the ORM (no dependency on the ingest)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from services.access.sessions import issue_session_token
from services.access.visibility import CANDIDATE, STAFF, Viewer
from storage.models import (
    Application,
    Candidate,
    Department,
    Interview,
    Position,
    PositionHrOwner,
    Requirement,
    Score,
    ScoreComment,
    ScoreDimension,
    Staff,
    StaffDepartment,
)

NOW = datetime.now(UTC).replace(microsecond=0)
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def department(s: Session, id: str, parent: str | None = None, **kw: Any) -> Department:
    row = Department(id=id, version=1, name=kw.pop("name", id), parent_id=parent, **kw)
    s.add(row)
    return row


def staff(
    s: Session,
    id: str,
    role: str,
    *,
    uid: str | None = None,
    departments: Iterable[str] = (),
    **kw: Any,
) -> Staff:
    row = Staff(id=id, version=1, name=kw.pop("name", id), role=role, dingtalk_user_id=uid, **kw)
    row.departments = [StaffDepartment(department_id=d) for d in departments]
    s.add(row)
    return row


def position(
    s: Session, id: str, department_id: str, *, owners: Iterable[str] = (), **kw: Any
) -> Position:
    row = Position(id=id, version=1, title=kw.pop("title", id), department_id=department_id, **kw)
    row.hr_owners = [PositionHrOwner(staff_id=o) for o in owners]
    s.add(row)
    return row


def candidate(s: Session, id: str, *, uid: str | None = None, **kw: Any) -> Candidate:
    row = Candidate(id=id, version=1, name=kw.pop("name", id), dingtalk_user_id=uid, **kw)
    s.add(row)
    return row


def application(
    s: Session,
    id: str,
    candidate_id: str,
    position_id: str,
    *,
    stage: str = "ai_interview",
    requirements: Iterable[tuple[str, str]] = (),
    **kw: Any,
) -> Application:
    row = Application(
        id=id, version=1, candidate_id=candidate_id, position_id=position_id, stage=stage, **kw
    )
    row.requirements = [
        Requirement(key=key, label=f"{key} label", status=status, ordinal=i)
        for i, (key, status) in enumerate(requirements)
    ]
    s.add(row)
    return row


def interview(
    s: Session,
    id: str,
    application_id: str,
    *,
    status: str = "invited",
    kind: str = "ai",
    round: int = 1,
    **kw: Any,
) -> Interview:
    kw.setdefault("scheduled_at", NOW + timedelta(days=1))
    kw.setdefault("deadline_at", NOW + timedelta(days=3))
    kw.setdefault("interviewer_names", ["AI 面试官"])
    row = Interview(
        id=id,
        version=1,
        application_id=application_id,
        status=status,
        kind=kind,
        round=round,
        **kw,
    )
    s.add(row)
    return row


def score(
    s: Session,
    id: str,
    interview_id: str,
    overall: float,
    *,
    status: str = "published",
    dimensions: dict[str, float] | None = None,
    comments: Iterable[str] = ("good",),
    **kw: Any,
) -> Score:
    kw.setdefault("published_at", NOW)
    row = Score(id=id, version=1, interview_id=interview_id, status=status, overall=overall, **kw)
    row.dimensions = [
        ScoreDimension(key=k, label=f"{k} label", score=v, max_score=100.0, ordinal=i)
        for i, (k, v) in enumerate((dimensions or {}).items())
    ]
    row.comments = [ScoreComment(ordinal=i, author="AI", text=t) for i, t in enumerate(comments)]
    s.add(row)
    return row


def token_for(
    *,
    staff_row: Staff | None = None,
    candidate_row: Candidate | None = None,
    now: datetime | None = None,
    ttl: int = 3600,
) -> str:
    roles = tuple(r for r, x in ((CANDIDATE, candidate_row), (STAFF, staff_row)) if x)
    viewer = Viewer(
        dingtalk_user_id="u",
        staff_id=staff_row.id if staff_row else None,
        staff_role=staff_row.role if staff_row else None,
        candidate_id=candidate_row.id if candidate_row else None,
        roles=roles,
    )
    issued = now or datetime.now(UTC)
    return issue_session_token(SECRET, viewer, now=issued, ttl_seconds=ttl).token


def viewer_of(staff_row: Staff | None = None, candidate_row: Candidate | None = None) -> Viewer:
    return Viewer(
        dingtalk_user_id="u",
        staff_id=staff_row.id if staff_row else None,
        staff_role=staff_row.role if staff_row else None,
        candidate_id=candidate_row.id if candidate_row else None,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
