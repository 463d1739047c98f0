"""Who may see what: the one place that decides the scope of a mini-app or card viewer.

A candidate sees only their own applications; an HR specialist the positions whose HR owners
include them; a recruiting manager the positions of their departments and sub-departments; an
admin everything. An interviewer (any staff member, whatever their role) also sees the
interviews whose `interviewer_ids` name them; role `interviewer` sees nothing else (no
positions, so no applications, scores or statistics). Tombstoned rows are invisible to
everyone. Lookups outside scope raise NotFound (never Forbidden) so that existence does not
leak. A candidate's scope also holds only while their session is valid
(services/access/sessions.py says when it ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, bindparam, exists, false, select
from sqlalchemy.orm import Session

from services.errors import Forbidden, NotFound
from storage.action_models import SessionRevocation
from storage.base import UTCDateTime
from storage.models import (
    Application,
    Candidate,
    Department,
    Interview,
    InterviewInterviewer,
    Position,
    PositionHrOwner,
    Score,
    Staff,
    StaffDepartment,
)

CANDIDATE = "candidate"
STAFF = "staff"


@dataclass(frozen=True)
class Viewer:
    """The person behind a request: a candidate, a staff member, or both."""

    dingtalk_user_id: str | None
    staff_id: str | None = None
    staff_role: str | None = None
    candidate_id: str | None = None
    roles: tuple[str, ...] = field(default=())
    # When the session token was issued (Unix seconds); None for a viewer identified from the
    # live rows just now (a chat message, a card click), which no revocation predates. Not
    # part of who the viewer is, so not compared.
    issued_at: int | None = field(default=None, compare=False)

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    @property
    def is_candidate(self) -> bool:
        return self.candidate_id is not None


def require_staff(viewer: Viewer) -> str:
    """Return the viewer's staff id, or refuse a viewer who is not staff."""
    if viewer.staff_id is None:
        raise Forbidden("this endpoint is for HR staff", code="staff_only")
    return viewer.staff_id


def require_candidate(viewer: Viewer) -> str:
    """Return the viewer's candidate id, or refuse a viewer who is not a candidate."""
    if viewer.candidate_id is None:
        raise Forbidden("this endpoint is for candidates", code="candidate_only")
    return viewer.candidate_id


def department_subtree_ids(session: Session, root_ids: list[str]) -> set[str]:
    """Return the given departments and all their live descendants (breadth-first)."""
    found: set[str] = set()
    live = Department.deleted.is_(false())
    frontier = set(session.scalars(select(Department.id).where(Department.id.in_(root_ids), live)))
    while frontier:
        found |= frontier
        children = set(
            session.scalars(select(Department.id).where(Department.parent_id.in_(frontier), live))
        )
        frontier = children - found
    return found


def _current_staff(session: Session, viewer: Viewer) -> Staff | None:
    # The token's role may be stale: the live Staff row decides (a tombstone ends all access).
    if viewer.staff_id is None:
        return None
    staff = session.get(Staff, viewer.staff_id)
    if staff is None or staff.deleted:
        return None
    return staff


def position_scope(session: Session, viewer: Viewer) -> ColumnElement[bool]:
    """Return a filter on Position selecting the live positions the viewer's staff role covers."""
    staff = _current_staff(session, viewer)
    live = Position.deleted.is_(false())
    if staff is None:
        return false()
    if staff.role == "admin":
        return live
    if staff.role == "hr_specialist":
        owned = select(PositionHrOwner.position_id).where(PositionHrOwner.staff_id == staff.id)
        return live & Position.id.in_(owned)
    if staff.role == "recruiting_manager":
        roots = list(
            session.scalars(
                select(StaffDepartment.department_id).where(StaffDepartment.staff_id == staff.id)
            )
        )
        subtree = department_subtree_ids(session, roots)
        return live & Position.department_id.in_(subtree) if subtree else false()
    # `interviewer` (and any unknown role): no positions; their rounds come through
    # assigned_interview_scope alone.
    return false()


def assigned_interview_scope(session: Session, viewer: Viewer) -> ColumnElement[bool]:
    """Return a filter on Interview: live rounds the viewer (staff) is an interviewer of.

    Whatever the staff role: being named in `interviewer_ids` is the grant. The application
    and the position must be live too, as for every other scope.
    """
    staff = _current_staff(session, viewer)
    if staff is None:
        return false()
    mine = select(InterviewInterviewer.interview_id).where(
        InterviewInterviewer.staff_id == staff.id
    )
    live_applications = select(Application.id).where(
        Application.deleted.is_(false()),
        Application.position_id.in_(select(Position.id).where(Position.deleted.is_(false()))),
    )
    return (
        Interview.deleted.is_(false())
        & Interview.id.in_(mine)
        & Interview.application_id.in_(live_applications)
    )


def get_interview_for_interviewer(session: Session, viewer: Viewer, interview_id: str) -> Interview:
    """Return a live round the staff viewer is assigned to, else NotFound (whatever the role)."""
    require_staff(viewer)
    interview = session.scalars(
        select(Interview).where(
            Interview.id == interview_id, assigned_interview_scope(session, viewer)
        )
    ).first()
    if interview is None:
        raise NotFound(f"interview {interview_id} not found")
    return interview


def positions_in_scope(session: Session, viewer: Viewer) -> Select[Position]:
    """Return a query of the live positions the viewer may see as staff."""
    return select(Position).where(position_scope(session, viewer))


def application_scope(session: Session, viewer: Viewer) -> ColumnElement[bool]:
    """Return a filter on Application: live rows on positions in the viewer's staff scope."""
    position_ids = select(Position.id).where(position_scope(session, viewer))
    return Application.deleted.is_(false()) & Application.position_id.in_(position_ids)


def get_position_for_viewer(session: Session, viewer: Viewer, position_id: str) -> Position:
    """Return a position the staff viewer may see, else NotFound."""
    require_staff(viewer)
    position = session.scalars(
        select(Position).where(Position.id == position_id, position_scope(session, viewer))
    ).first()
    if position is None:
        raise NotFound(f"position {position_id} not found")
    return position


def get_application_for_viewer(
    session: Session, viewer: Viewer, application_id: str
) -> Application:
    """Return an application the staff viewer may see, else NotFound."""
    require_staff(viewer)
    application = session.scalars(
        select(Application).where(
            Application.id == application_id, application_scope(session, viewer)
        )
    ).first()
    if application is None:
        raise NotFound(f"application {application_id} not found")
    return application


def get_score_for_viewer(session: Session, viewer: Viewer, score_id: str) -> Score:
    """Return a live score whose application the staff viewer may see, else NotFound."""
    require_staff(viewer)
    query = (
        select(Score)
        .join(Interview, Interview.id == Score.interview_id)
        .join(Application, Application.id == Interview.application_id)
        .where(
            Score.id == score_id,
            Score.deleted.is_(false()),
            Interview.deleted.is_(false()),
            application_scope(session, viewer),
        )
    )
    score = session.scalars(query).first()
    if score is None:
        raise NotFound(f"score {score_id} not found")
    return score


# Table-level columns: Core queries over them skip the ORM's entity and identity-map work.
_INTERVIEW = Interview.__table__
_APPLICATION = Application.__table__
_POSITION = Position.__table__
_CANDIDATE = Candidate.__table__
_REVOCATION = SessionRevocation.__table__

SESSION_USER_PARAM = "session_user_id"
SESSION_ISSUED_PARAM = "session_issued_at"


def _not_revoked(user_id: Any, issued_at: Any) -> ColumnElement[bool]:
    # Uncorrelated with the outer rows: the database evaluates it once per statement (one
    # primary-key probe), which is why it can ride along in the candidate views' query.
    return ~exists().where(
        _REVOCATION.c.dingtalk_user_id == user_id, _REVOCATION.c.revoked_at >= issued_at
    )


def session_still_valid() -> ColumnElement[bool]:
    """Return a condition: the viewer's user had no sessions revoked since this one was issued.

    Bound with `session_params(viewer)`; a viewer not from a session binds NULLs, which match
    no revocation.
    """
    return _not_revoked(
        bindparam(SESSION_USER_PARAM, type_=String, required=True),
        bindparam(SESSION_ISSUED_PARAM, type_=UTCDateTime(), required=True),
    )


def session_params(viewer: Viewer) -> dict[str, Any]:
    """The parameters of `session_still_valid` for this viewer."""
    if viewer.issued_at is None:
        return {SESSION_USER_PARAM: None, SESSION_ISSUED_PARAM: None}
    return {
        SESSION_USER_PARAM: viewer.dingtalk_user_id,
        SESSION_ISSUED_PARAM: datetime.fromtimestamp(viewer.issued_at, UTC),
    }


def _candidate_scope(
    candidate_id: Any, session_valid: ColumnElement[bool]
) -> tuple[ColumnElement[bool], ...]:
    # The live candidate row and the session check make a tombstone or a departure end the
    # candidate's reads at once, at no extra round trip.
    return (
        _APPLICATION.c.candidate_id == candidate_id,
        _CANDIDATE.c.deleted.is_(false()),
        _APPLICATION.c.deleted.is_(false()),
        _INTERVIEW.c.deleted.is_(false()),
        _POSITION.c.deleted.is_(false()),
        session_valid,
    )


CANDIDATE_PARAM = "scope_candidate_id"


def candidate_interview_rows(*columns: ColumnElement[Any]) -> Select[Any]:
    """Return a Core query of `columns` over one candidate's own live interviews.

    The one scope of a candidate's interviews, built once and reused: the candidate and the
    session are required bound parameters, so run it with `candidate_params(viewer)` (a query
    run without them fails). No rows may also mean the session ended (`ensure_session_current`).
    The FROM clause joins interview, application, position and candidate (use their
    `__table__` columns); callers may outer-join more.
    """
    joined = (
        _INTERVIEW.join(_APPLICATION, _APPLICATION.c.id == _INTERVIEW.c.application_id)
        .join(_POSITION, _POSITION.c.id == _APPLICATION.c.position_id)
        .join(_CANDIDATE, _CANDIDATE.c.id == _APPLICATION.c.candidate_id)
    )
    candidate = bindparam(CANDIDATE_PARAM, type_=String, required=True)
    scope = _candidate_scope(candidate, session_still_valid())
    return select(*columns).select_from(joined).where(*scope)


def candidate_params(viewer: Viewer) -> dict[str, Any]:
    """The parameters of `candidate_interview_rows` for this viewer (refusing non-candidates)."""
    return {CANDIDATE_PARAM: require_candidate(viewer), **session_params(viewer)}
