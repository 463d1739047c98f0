"""Who HR may pick as a round's interviewers, and whose calendars the form may read.

Scope rules: only HR staff with the application in scope ask (404 otherwise). The default list
is the live staff of the position's department and every department below it; `q` widens it to
any live staff member whose name contains the text (an interviewer may come from anywhere in
the organisation, as the issue asks), at most OPTIONS_LIMIT rows. Only names, roles and
whether a calendar can be read are answered: no contact data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from services.access.visibility import (
    Viewer,
    department_subtree_ids,
    get_application_for_viewer,
    require_staff,
)
from services.errors import InvalidInput, NotFound
from storage.models import Position, Staff, StaffDepartment

OPTIONS_LIMIT = 50
BUSY_MAX_STAFF = 20


@dataclass(frozen=True)
class InterviewerOption:
    staff_id: str
    name: str
    role: str
    in_department: bool  # of the position's department subtree (the default suggestions)
    has_calendar: bool  # has a DingTalk user, so busy times can be shown


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_interviewer_options(
    session: Session, viewer: Viewer, application_id: str, *, q: str | None = None
) -> list[InterviewerOption]:
    """The position's department staff, plus staff named like `q`."""
    application = get_application_for_viewer(session, viewer, application_id)
    position = session.get(Position, application.position_id)
    departments = department_subtree_ids(session, [position.department_id]) if position else set()
    in_dept = select(StaffDepartment.staff_id).where(StaffDepartment.department_id.in_(departments))
    live = Staff.deleted.is_(false())
    where: ColumnElement[bool] = Staff.id.in_(in_dept)
    if q and q.strip():
        where = where | Staff.name.ilike(f"%{_escape_like(q.strip())}%", escape="\\")
    rows = session.scalars(
        select(Staff).where(live, where).order_by(Staff.name, Staff.id).limit(OPTIONS_LIMIT)
    ).all()
    member = set(session.scalars(in_dept))
    return [
        InterviewerOption(s.id, s.name, s.role, s.id in member, bool(s.dingtalk_user_id))
        for s in rows
    ]


def calendar_user_ids(session: Session, viewer: Viewer, staff_ids: list[str]) -> dict[str, str]:
    """staff id -> DingTalk userid of the staff whose busy times HR asks for (HR only)."""
    me = session.get(Staff, require_staff(viewer))
    if me is None or me.deleted or me.role == "interviewer":
        raise NotFound("no calendars for this viewer")  # an interviewer schedules nothing
    if not staff_ids or len(staff_ids) > BUSY_MAX_STAFF:
        raise InvalidInput(f"staff_ids: 1 to {BUSY_MAX_STAFF} ids", code="staff_ids")
    rows = session.execute(
        select(Staff.id, Staff.dingtalk_user_id).where(
            Staff.id.in_(staff_ids), Staff.deleted.is_(false())
        )
    ).all()
    found: dict[str, str | None] = {sid: uid for sid, uid in rows}  # noqa: C416
    unknown = [s for s in staff_ids if s not in found]
    if unknown:
        raise NotFound(f"staff {unknown[0]} not found")
    return {sid: uid for sid, uid in found.items() if uid}
