"""The onboarding cards: the HR owners' "入职安排待确认" (the proposed date and place; Confirm,
or Adjust in the H5 page; then who confirmed on every copy) and the candidate's "入职通知"
(date, place, what to bring, the training plan's size; View: the H5 onboarding page).

services/notify/catalog.py names them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cards.builders import Card
from cards.links import safe_url
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import candidate_recipient, hr_owner_recipients
from storage.action_models import Delivery
from storage.bgcheck_models import OnboardingNotice
from storage.models import Candidate, Position, Staff
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_ONBOARDING_NOTIFIED

VALUE_CHARS = 300


def _notice(session: Session, event: OutboxEvent | None) -> OnboardingNotice | None:
    notice_id = str((event.payload or {}).get("notice_id") or "") if event else ""
    return session.get(OnboardingNotice, notice_id) if notice_id else None


def hr_key(notice_id: str) -> str:
    return f"onboarding-hr-{notice_id}"


def plan_onboarding_cards(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Planned: the HR owners confirm. Sent: the candidate's notice, HR's copies updated."""
    notice = _notice(session, event)
    if notice is None:
        return []
    owners = hr_owner_recipients(session, notice.position_id)
    if event.kind != OUTBOX_ONBOARDING_NOTIFIED:
        return [PlannedCard("onboarding_confirm_hr", r, hr_key(notice.id)) for r in owners]
    cards = [
        PlannedCard("onboarding_confirm_hr", r, hr_key(notice.id), operation="update")
        for r in owners
    ]
    candidate = session.get(Candidate, notice.candidate_id)
    if candidate is not None and notice.status == "notified":
        key = f"onboarding-notice-{notice.id}"
        cards.append(PlannedCard("onboarding_notice", candidate_recipient(candidate), key))
    return cards


def _fields(session: Session, notice: OnboardingNotice) -> dict[str, str]:
    candidate = session.get(Candidate, notice.candidate_id)
    position = session.get(Position, notice.position_id)
    plan = notice.training_plan or []
    hours = sum(float(p.get("hours") or 0) for p in plan)
    return {
        "notice_id": notice.id,
        "application_id": notice.application_id,
        "candidate_name": candidate.name if candidate else "",
        "position": position.title if position else "",
        "join_date": notice.join_date.isoformat() if notice.join_date else "待 HR 填写",
        "location": (notice.location or "")[:VALUE_CHARS],
        "materials": "、".join(str(m.get("label")) for m in notice.materials or [])[:VALUE_CHARS],
        "training": f"{len(plan)} 门课程，共 {hours:g} 小时" if plan else "常规入职培训",
    }


def build_confirm_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    notice = _notice(session, outbox_event_of(session, delivery))
    if notice is None:
        return None
    data = _fields(session, notice)
    by = session.get(Staff, notice.confirmed_by) if notice.confirmed_by else None
    page = f"{policy.hr_report_url(notice.application_id)}/onboarding"
    sent = notice.status != "planned"
    data.update(
        decision="confirmed" if sent else "",
        decision_label="已发送入职通知" if sent else "",
        decided_by=by.name if by else "",
        notice="",
        editor_url=safe_url(page, "", allow_http=policy.allow_http_links),
    )
    return Card("onboarding_confirm_hr", data)


def build_notice_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    notice = _notice(session, outbox_event_of(session, delivery))
    if notice is None or notice.status != "notified":
        return None
    data = _fields(session, notice)
    page = f"{policy.miniapp_url.rstrip('/')}/#/onboarding"
    data["onboarding_url"] = safe_url(page, "", allow_http=policy.allow_http_links)
    return Card("onboarding_notice", data)
