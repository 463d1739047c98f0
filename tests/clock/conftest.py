"""A small organisation and a fixed clock for the reminder, alert and policy tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from services.clock.reminders import ReminderRules, rules_from_settings
from storage.sync_models import OutboxEvent
from tests import factories as f

CN = ZoneInfo("Asia/Shanghai")
# Wednesday 18 November 2026, an ordinary working day.
WED = datetime(2026, 11, 18, tzinfo=CN)
H = timedelta(hours=1)


def at(day: datetime, hour: float) -> datetime:
    return day + timedelta(hours=hour)


@pytest.fixture
def rules(settings: Settings) -> ReminderRules:
    return rules_from_settings(settings)


def build_org(s: Session) -> None:
    """Retail: a position owned by two HR, a manager above it, candidates c-1..c-20."""
    f.department(s, "d-root")
    f.department(s, "d-retail", "d-root")
    f.department(s, "d-east", "d-retail")
    f.staff(s, "st-hr", "hr_specialist", uid="hr_lina", name="李娜")
    f.staff(s, "st-hr2", "hr_specialist", uid="hr_wangqiang", name="王强")
    f.staff(s, "st-rm", "recruiting_manager", uid="mgr_zhaomin", departments=["d-retail"])
    f.staff(s, "st-admin", "admin", uid="admin_chengang")
    f.position(s, "p-1", "d-east", owners=["st-hr", "st-hr2"], title="门店店员（夜班）")
    for n in range(1, 21):
        f.candidate(s, f"c-{n}", uid=f"cand_{n:02d}", name=f"候选人{n}")
    s.commit()


@pytest.fixture
def org(session: Session) -> Session:
    build_org(session)
    return session


def invite(
    s: Session,
    n: int,
    *,
    invited_at: datetime,
    deadline_at: datetime | None,
    status: str = "invited",
    batch: str | None = "2026-11",
    requirements: tuple[tuple[str, str], ...] = (),
) -> str:
    """An application a-n of candidate c-n with an AI interview i-n; return the interview id."""
    f.application(s, f"a-{n}", f"c-{n}", "p-1", batch=batch, requirements=requirements)
    f.interview(
        s,
        f"i-{n}",
        f"a-{n}",
        status=status,
        invited_at=invited_at,
        deadline_at=deadline_at,
        scheduled_at=None,
        invitation_url=f"https://ehr.example/ai/{n}",
    )
    s.commit()
    return f"i-{n}"


def outbox(s: Session, kind: str) -> list[OutboxEvent]:
    s.expire_all()
    return list(
        s.scalars(select(OutboxEvent).where(OutboxEvent.kind == kind).order_by(OutboxEvent.id))
    )
