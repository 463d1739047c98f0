"""The check's cards: the candidate's "背景调查授权" (Give consent: the H5 consent page), and the
HR owners' "背景调查待确认" for a check with an item to consider (Pass / Fail / Ask the
candidate; "decided by X" on every copy once decided).

Planners decide when the outbox row is handled; builders read the check again at send time.
services/notify/catalog.py names them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cards.builders import Card
from cards.links import safe_url
from services.bgcheck.decide import LABELS
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import candidate_recipient, hr_owner_recipients
from storage.action_models import Delivery
from storage.bgcheck_models import BackgroundCheck
from storage.models import Candidate, Position, Staff
from storage.sync_models import OutboxEvent

RESULT_LABELS = {"clear": "通过", "consider": "需关注", "pending": "进行中"}
VALUE_CHARS = 300


def _check(session: Session, event: OutboxEvent | None) -> BackgroundCheck | None:
    check_id = str((event.payload or {}).get("check_id") or "") if event else ""
    return session.get(BackgroundCheck, check_id) if check_id else None


def review_key(check_id: str) -> str:
    return f"bgcheck-review-{check_id}"


def plan_consent_requested(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """The candidate is asked to consent (once per check)."""
    check = _check(session, event)
    candidate = session.get(Candidate, check.candidate_id) if check else None
    if check is None or candidate is None or check.status != "awaiting_consent":
        return []
    recipient = candidate_recipient(candidate)
    return [PlannedCard("bgcheck_consent", recipient, f"bgcheck-consent-{check.id}")]


def plan_review(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """The HR owners decide a check with an item to consider."""
    check = _check(session, event)
    if check is None:
        return []
    key = review_key(check.id)
    return [
        PlannedCard("bgcheck_review_hr", r, key)
        for r in hr_owner_recipients(session, check.position_id)
    ]


def plan_decided(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Every HR owner's copy shows the decision."""
    check = _check(session, event)
    if check is None or check.result != "consider":
        return []
    key = review_key(check.id)
    return [
        PlannedCard("bgcheck_review_hr", r, key, operation="update")
        for r in hr_owner_recipients(session, check.position_id)
    ]


def _base(session: Session, check: BackgroundCheck) -> dict[str, str]:
    candidate = session.get(Candidate, check.candidate_id)
    position = session.get(Position, check.position_id)
    return {
        "check_id": check.id,
        "application_id": check.application_id,
        "candidate_name": candidate.name if candidate else "",
        "position": position.title if position else "",
    }


def build_consent_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    check = _check(session, outbox_event_of(session, delivery))
    if check is None or check.status != "awaiting_consent":
        return None  # consented meanwhile
    data = _base(session, check)
    page = f"{policy.miniapp_url.rstrip('/')}/#/background-check"
    data["items"] = "、".join(str(i.get("label")) for i in check.items or [])
    data["consent_url"] = safe_url(page, "", allow_http=policy.allow_http_links)
    return Card("bgcheck_consent", data)


def build_review_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    check = _check(session, outbox_event_of(session, delivery))
    if check is None:
        return None
    data = _base(session, check)
    items = "；".join(
        f"{i.get('label')}：{RESULT_LABELS.get(str(i.get('result')), i.get('result'))}"
        for i in check.items or []
    )
    by = session.get(Staff, check.decided_by) if check.decided_by else None
    page = f"{policy.hr_report_url(check.application_id)}/background-check"
    data.update(
        items=items[:VALUE_CHARS],
        explanation=(check.explanation or "")[:VALUE_CHARS],
        decision=check.decision or "",
        decision_label=LABELS.get(check.decision or "", ""),
        decided_by=by.name if by else "",
        notice="",
        check_url=safe_url(page, "", allow_http=policy.allow_http_links),
    )
    return Card("bgcheck_review_hr", data)
