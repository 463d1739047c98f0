"""The scope rules of services/access/visibility.py, tested once, thoroughly."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from services.access.visibility import (
    candidate_interview_rows,
    candidate_params,
    department_subtree_ids,
    get_application_for_viewer,
    get_position_for_viewer,
    get_score_for_viewer,
    positions_in_scope,
)
from services.errors import Forbidden, NotFound
from storage.models import Application, Department, Interview, Position, Score, Staff
from tests import factories as f
from tests.miniapp.conftest import build_world


def _visible_positions(s: Session, staff_id: str) -> set[str]:
    staff = s.get_one(Staff, staff_id)
    return {p.id for p in s.scalars(positions_in_scope(s, f.viewer_of(staff)))}


def test_subtree_follows_parents_and_skips_tombstones(session: Session) -> None:
    build_world(session)
    f.department(session, "d-east-sh", "d-retail-east")
    f.department(session, "d-east-sh-x", "d-east-sh")
    session.commit()
    assert department_subtree_ids(session, ["d-retail"]) == {
        "d-retail",
        "d-retail-east",
        "d-east-sh",
        "d-east-sh-x",
    }
    session.get_one(Department, "d-east-sh").deleted = True
    session.commit()
    assert department_subtree_ids(session, ["d-retail"]) == {"d-retail", "d-retail-east"}


def test_department_cycle_terminates(session: Session) -> None:
    f.department(session, "d-a", "d-b")
    f.department(session, "d-b", "d-a")
    session.commit()
    assert department_subtree_ids(session, ["d-a"]) == {"d-a", "d-b"}


@pytest.mark.parametrize(
    ("staff_id", "wanted"),
    [
        ("st-admin", {"p-own", "p-foreign"}),
        ("st-hr", {"p-own"}),  # owner of p-own; its own department (logistics) gives nothing
        ("st-hr2", {"p-foreign"}),
        ("st-rm", {"p-own"}),  # d-retail covers d-retail-east
    ],
)
def test_positions_per_role(session: Session, staff_id: str, wanted: set[str]) -> None:
    build_world(session)
    assert _visible_positions(session, staff_id) == wanted


def test_tombstoned_position_and_staff_are_invisible(session: Session) -> None:
    build_world(session)
    session.get_one(Position, "p-own").deleted = True
    session.commit()
    assert _visible_positions(session, "st-admin") == {"p-foreign"}
    session.get_one(Staff, "st-admin").deleted = True
    session.commit()
    assert _visible_positions(session, "st-admin") == set()


def test_stale_token_role_does_not_widen_scope(session: Session) -> None:
    build_world(session)
    hr = session.get_one(Staff, "st-hr")
    viewer = f.viewer_of(hr)
    hr.role = "recruiting_manager"  # now manages logistics only
    session.commit()
    assert {p.id for p in session.scalars(positions_in_scope(session, viewer))} == {"p-foreign"}


def test_lookups_outside_scope_are_not_found(session: Session) -> None:
    build_world(session)
    hr = f.viewer_of(session.get_one(Staff, "st-hr"))
    assert get_position_for_viewer(session, hr, "p-own").id == "p-own"
    assert get_application_for_viewer(session, hr, "a-own").id == "a-own"
    assert get_score_for_viewer(session, hr, "s-own").id == "s-own"
    for call, oid in (
        (get_position_for_viewer, "p-foreign"),
        (get_application_for_viewer, "a-foreign"),
        (get_score_for_viewer, "s-foreign"),
        (get_position_for_viewer, "nope"),
    ):
        with pytest.raises(NotFound):
            call(session, hr, oid)


def test_tombstoned_application_and_score_are_not_found(session: Session) -> None:
    build_world(session)
    admin = f.viewer_of(session.get_one(Staff, "st-admin"))
    session.get_one(Score, "s-own").deleted = True
    session.get_one(Application, "a-foreign").deleted = True
    session.commit()
    with pytest.raises(NotFound):
        get_score_for_viewer(session, admin, "s-own")
    with pytest.raises(NotFound):
        get_application_for_viewer(session, admin, "a-foreign")


def test_candidate_sees_only_own_interviews(session: Session) -> None:
    build_world(session)
    from storage.models import Candidate

    viewer = f.viewer_of(candidate_row=session.get_one(Candidate, "c-1"))
    rows = session.execute(
        candidate_interview_rows(Interview.__table__.c.id), candidate_params(viewer)
    ).scalars()
    assert list(rows) == ["i-own"]
    with pytest.raises(Forbidden):
        get_application_for_viewer(session, viewer, "a-own")
