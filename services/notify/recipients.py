"""Who receives what: the candidate, a position's HR owners, a department's recruiting managers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Candidate, Department, Position, PositionHrOwner, Staff, StaffDepartment


@dataclass(frozen=True)
class Recipient:
    kind: str  # candidate | staff
    id: str
    dingtalk_user_id: str | None
    name: str


def candidate_recipient(candidate: Candidate) -> Recipient:
    return Recipient(
        "candidate", candidate.id, candidate.effective_dingtalk_user_id, candidate.name
    )


def hr_owner_recipients(session: Session, position_id: str) -> list[Recipient]:
    rows = session.scalars(
        select(Staff)
        .join(PositionHrOwner, PositionHrOwner.staff_id == Staff.id)
        .where(PositionHrOwner.position_id == position_id, Staff.deleted.is_(False))
        .order_by(Staff.id)
    )
    return [Recipient("staff", s.id, s.dingtalk_user_id, s.name) for s in rows]


def _department_and_ancestors(session: Session, department_id: str) -> list[str]:
    chain: list[str] = []
    current: str | None = department_id
    while current is not None and current not in chain:
        chain.append(current)
        department = session.get(Department, current)
        current = department.parent_id if department is not None else None
    return chain


def recruiting_manager_recipients(session: Session, position: Position) -> list[Recipient]:
    """Managers of the position's department or of any department above it."""
    departments = _department_and_ancestors(session, position.department_id)
    rows = session.scalars(
        select(Staff)
        .join(StaffDepartment, StaffDepartment.staff_id == Staff.id)
        .where(
            StaffDepartment.department_id.in_(departments),
            Staff.role == "recruiting_manager",
            Staff.deleted.is_(False),
        )
        .distinct()
        .order_by(Staff.id)
    )
    return [Recipient("staff", s.id, s.dingtalk_user_id, s.name) for s in rows]
