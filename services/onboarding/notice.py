"""The onboarding notice: due once the check passed (or the offer was accepted and no check is
asked for); the HR owners confirm the join date and place (card or H5); the candidate then has
the notice (入职通知 card and the H5 page) with what to bring and the training plan.

Each public function is one unit of work; `plan_in` runs inside the caller's (the check's
decision). Confirming is race-safe: the notice row is locked, the first confirmation sends it,
a second is told it was sent. Another candidate's notice is NotFound (404).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer, require_candidate
from services.errors import Conflict, InvalidInput, NotFound
from services.onboarding.catalog import plan_of
from storage.bgcheck_models import OnboardingNotice
from storage.db import unit_of_work
from storage.models import Application, Candidate, Position, Staff
from storage.offer_models import Offer
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_ONBOARDING_NOTIFIED, OUTBOX_ONBOARDING_PLANNED

DEFAULT_LOCATION = "公司总部前台（报到时请出示入职通知）"
MATERIALS: tuple[tuple[str, str], ...] = (
    ("id_card", "身份证原件及复印件"),
    ("diploma", "最高学历证书原件"),
    ("bank_card", "本人银行卡（工资卡）"),
    ("photo", "一寸免冠照片 2 张"),
    ("health_certificate", "健康证明"),
)
MAX_LOCATION = 200


def _outbox(session: Session, notice: OnboardingNotice, kind: str, key: str, now: datetime) -> None:
    if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == key)):
        return
    payload = {
        "notice_id": notice.id,
        "application_id": notice.application_id,
        "candidate_id": notice.candidate_id,
        "position_id": notice.position_id,
    }
    session.add(
        OutboxEvent(
            kind=kind,
            entity_kind="onboarding",
            entity_id=notice.id,
            dedupe_key=key,
            created_at=now,
            payload=payload,
        )
    )
    session.flush()


def plan_in(session: Session, application_id: str, now: datetime) -> OnboardingNotice | None:
    """Inside the caller's unit of work: the notice is due (once); HR owners are asked."""
    found = session.scalars(
        select(OnboardingNotice).where(OnboardingNotice.application_id == application_id)
    ).first()
    application = session.get(Application, application_id)
    if found is not None or application is None:
        return found
    offer = session.scalars(select(Offer).where(Offer.application_id == application_id)).first()
    notice = OnboardingNotice(
        id="onb-" + secrets.token_hex(8),
        application_id=application_id,
        candidate_id=application.candidate_id,
        position_id=application.position_id,
        status="planned",
        join_date=offer.start_date if offer is not None else None,
        location=DEFAULT_LOCATION,
        materials=[{"key": k, "label": lbl, "status": "missing"} for k, lbl in MATERIALS],
        training_plan=[],
        created_at=now,
        updated_at=now,
    )
    session.add(notice)
    session.flush()
    _outbox(session, notice, OUTBOX_ONBOARDING_PLANNED, f"onboarding:{notice.id}:planned", now)
    return notice


def plan_onboarding(session: Session, application_id: str, *, now: datetime) -> None:
    """The notice is due (no check asked for): one unit of work."""
    with unit_of_work(session):
        plan_in(session, application_id, now)


def get_notice_for_hr(session: Session, viewer: Viewer, application_id: str) -> OnboardingNotice:
    with unit_of_work(session):
        get_application_for_viewer(session, viewer, application_id)  # scope, else NotFound
        notice = session.scalars(
            select(OnboardingNotice).where(OnboardingNotice.application_id == application_id)
        ).first()
        if notice is None:
            raise NotFound("the application has no onboarding notice yet")
        return notice


@dataclass(frozen=True)
class Confirmed:
    outcome: str  # done | already_decided
    notice: OnboardingNotice
    confirmed_by: str


def confirm_onboarding(
    session: Session,
    viewer: Viewer,
    application_id: str,
    *,
    join_date: date | None,
    location: str | None,
    now: datetime,
) -> Confirmed:
    """HR confirms date and place: the notice goes to the candidate (once)."""
    with unit_of_work(session):
        get_application_for_viewer(session, viewer, application_id)  # scope, else NotFound
        notice = session.scalars(
            select(OnboardingNotice)
            .where(OnboardingNotice.application_id == application_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if notice is None:
            raise NotFound("the application has no onboarding notice yet")
        if notice.status != "planned":
            by = session.get(Staff, notice.confirmed_by) if notice.confirmed_by else None
            return Confirmed("already_decided", notice, by.name if by else "")
        when = join_date or notice.join_date
        if when is None:
            raise InvalidInput("the join date is missing", code="join_date_required")
        if when < now.date():
            raise InvalidInput("the join date is in the past", code="join_date_past")
        place = (location or notice.location or "").strip()[:MAX_LOCATION]
        if not place:
            raise InvalidInput("the place is missing", code="location_required")
        notice.join_date, notice.location = when, place
        notice.training_plan = plan_of(session, application_id)
        notice.status, notice.confirmed_by = "notified", viewer.staff_id
        notice.notified_at = notice.updated_at = now
        _outbox(session, notice, OUTBOX_ONBOARDING_NOTIFIED, f"onboarding:{notice.id}:sent", now)
        by = session.get(Staff, viewer.staff_id) if viewer.staff_id else None
        return Confirmed("done", notice, by.name if by else "")


def _mine(session: Session, viewer: Viewer, *, lock: bool = False) -> OnboardingNotice:
    candidate_id = require_candidate(viewer)
    query = (
        select(OnboardingNotice)
        .where(
            OnboardingNotice.candidate_id == candidate_id,
            OnboardingNotice.status.in_(("notified", "joined")),
        )
        .order_by(OnboardingNotice.notified_at.desc())
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    notice = session.scalars(query).first()
    if notice is None:
        raise NotFound("no onboarding notice")
    return notice


def my_onboarding(session: Session, viewer: Viewer) -> tuple[OnboardingNotice, str]:
    """The candidate's notice with the position's title."""
    with unit_of_work(session):
        notice = _mine(session, viewer)
        position = session.get(Position, notice.position_id)
        return notice, position.title if position else ""


def acknowledge(session: Session, viewer: Viewer, *, now: datetime) -> OnboardingNotice:
    """我已知悉: the candidate has read the notice (the escalation ladder stops)."""
    with unit_of_work(session):
        notice = _mine(session, viewer, lock=True)
        notice.acknowledged_at = notice.acknowledged_at or now
        return notice


def tick_material(session: Session, viewer: Viewer, key: str, *, now: datetime) -> OnboardingNotice:
    """The candidate ticks one thing to bring as ready (submitted); HR sees it."""
    with unit_of_work(session):
        notice = _mine(session, viewer, lock=True)
        items = [dict(m) for m in notice.materials or []]
        match = next((m for m in items if m.get("key") == key), None)
        if match is None:
            raise NotFound(f"no material {key[:64]}")
        if match.get("status") == "approved":
            raise Conflict("already approved", code="already_approved")
        match["status"] = "submitted"
        notice.materials, notice.updated_at = items, now
        return notice


@dataclass(frozen=True)
class PreentryRequest:
    notice_id: str
    name: str
    mobile: str
    pre_entry_ms: int


def preentry_request(session: Session, notice_id: str) -> PreentryRequest | None:
    """What DingTalk's pre-entry record needs, or None (already made, not sent, no mobile)."""
    with unit_of_work(session):
        notice = session.get(OnboardingNotice, notice_id)
        if notice is None or notice.status != "notified" or notice.preentry_user_id:
            return None
        candidate = session.get(Candidate, notice.candidate_id)
        if candidate is None or not candidate.mobile or notice.join_date is None:
            return None
        start = datetime.combine(notice.join_date, time(9), ZoneInfo("Asia/Shanghai"))
        return PreentryRequest(
            notice.id, candidate.name, candidate.mobile, int(start.timestamp() * 1000)
        )


def record_preentry(session: Session, notice_id: str, tmp_user_id: str) -> None:
    with unit_of_work(session):
        notice = session.get(OnboardingNotice, notice_id)
        if notice is not None:
            notice.preentry_user_id = tmp_user_id[:64]
