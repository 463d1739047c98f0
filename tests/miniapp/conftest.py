"""A small organisation with two sides ("own" and "foreign") for every role's scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from sandbox.dingtalk.testing import running_sandbox
from tests import factories as f


@dataclass
class World:
    tokens: dict[str, str]
    # persona -> the ids of each kind that persona should see as "own"; "foreign" the others.
    own: dict[str, str]
    foreign: dict[str, str]


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    """The DingTalk sandbox (demo org), one per test session."""
    with running_sandbox() as url:
        yield url


def build_world(s: Session) -> World:
    """Retail east (own for hr/rm) and logistics (foreign for hr/rm); admin sees both."""
    f.department(s, "d-root")
    f.department(s, "d-retail", "d-root")
    f.department(s, "d-retail-east", "d-retail")
    f.department(s, "d-logistics", "d-root")
    admin = f.staff(s, "st-admin", "admin", uid="u-admin", name="Ada Admin")
    hr = f.staff(s, "st-hr", "hr_specialist", uid="u-hr", departments=["d-logistics"], name="Hu HR")
    f.staff(s, "st-hr2", "hr_specialist", uid="u-hr2")
    rm = f.staff(
        s, "st-rm", "recruiting_manager", uid="u-rm", departments=["d-retail"], name="Ma Manager"
    )
    f.position(s, "p-own", "d-retail-east", owners=["st-hr"], title="店长")
    f.position(s, "p-foreign", "d-logistics", owners=["st-hr2"], title="仓管")
    c1 = f.candidate(s, "c-1", uid="u-c1", education="bachelor", name="张三")
    f.candidate(s, "c-2", uid="u-c2", education="master", name="李四")
    f.application(s, "a-own", "c-1", "p-own")
    f.application(s, "a-foreign", "c-2", "p-foreign")
    f.interview(s, "i-own", "a-own", status="attended")
    f.interview(s, "i-foreign", "a-foreign", status="attended")
    f.score(s, "s-own", "i-own", 81.0, dimensions={"logic": 80.0})
    f.score(s, "s-foreign", "i-foreign", 70.0, dimensions={"logic": 60.0})
    s.commit()
    tokens = {
        "candidate": f.token_for(candidate_row=c1),
        "hr_specialist": f.token_for(staff_row=hr),
        "recruiting_manager": f.token_for(staff_row=rm),
        "admin": f.token_for(staff_row=admin),
    }
    own = {"interview": "i-own", "position": "p-own", "application": "a-own", "score": "s-own"}
    foreign = {
        "interview": "i-foreign",
        "position": "p-foreign",
        "application": "a-foreign",
        "score": "s-foreign",
    }
    return World(tokens, own, foreign)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


DAY = timedelta(days=1)
