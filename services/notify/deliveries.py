"""What one delivery sends (read at send time, from the cache as it is now) and its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards import builders
from cards.builders import Card, Dimension, ScoreView
from cards.text import policy_reason
from services.decisions.policy import PolicyConfig, evaluate_policy
from services.ehr.local_changes import set_candidate_link
from services.notify.planning import load_score_chain
from services.notify.policy import NotifyPolicy
from services.notify.registry import CONTENT, TITLES, content
from storage.action_models import Delivery
from storage.db import unit_of_work
from storage.models import VISIBLE_SCORE_STATUSES, Candidate, Score
from storage.sync_models import OutboxEvent


@dataclass(frozen=True)
class DeliveryWork:
    delivery_id: int
    channel: str
    operation: str
    out_track_id: str
    template: str
    recipient_kind: str
    recipient_id: str
    user_id: str | None
    candidate_mobile: str | None  # for a DingTalk lookup when the EHR gave no user id
    card: Card
    title: str


def _score_view(
    chain_score: Score, chain: Any, policy: NotifyPolicy, *, parts: frozenset[str]
) -> ScoreView:
    score = chain_score
    return ScoreView(
        interview_id=chain.interview.id,
        candidate_name=chain.candidate.name,
        position=chain.position.title,
        overall=score.overall if "overall" in parts else None,
        dimensions=[Dimension(d.key, d.label, d.score, d.max_score) for d in score.dimensions]
        if "dimensions" in parts
        else [],
        comments=[(c.author, c.text) for c in score.comments] if "comments" in parts else [],
        report_url=policy.report_url(chain.interview.id),
    )


def _suggestion(session: Session, score: Score, policy: NotifyPolicy) -> tuple[str, str]:
    """The position's score policy (or the global one) applied to this score, with its reason."""
    defaults = PolicyConfig(
        advance_threshold=policy.advance_threshold, auto_reject=policy.auto_reject
    )
    outcome = evaluate_policy(session, score, now=datetime.now(UTC), defaults=defaults)
    return outcome.suggestion, policy_reason(outcome.explanation, policy.language)


@content("score_candidate", "score_hr", title="AI 面试得分")
def _score_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    event = session.get(OutboxEvent, delivery.outbox_id) if delivery.outbox_id else None
    chain = load_score_chain(session, event.entity_id) if event else None
    if chain is None or chain.score.status not in VISIBLE_SCORE_STATUSES:
        return None
    lang = policy.language
    if delivery.purpose == "score_candidate":
        view = _score_view(chain.score, chain, policy, parts=policy.candidate_score_parts)
        return builders.score_candidate(view, lang=lang, allow_http=policy.allow_http_links)
    full = frozenset({"overall", "dimensions", "comments"})
    view = _score_view(chain.score, chain, policy, parts=full)
    view = ScoreView(**{**view.__dict__, "report_url": policy.hr_report_url(chain.application.id)})
    suggestion, reason = _suggestion(session, chain.score, policy)
    return builders.score_hr(
        view,
        suggestion=suggestion,
        reason=reason,
        lang=lang,
        allow_http=policy.allow_http_links,
    )


def build_delivery(
    session: Session, delivery_id: int, *, policy: NotifyPolicy
) -> DeliveryWork | None:
    """What to send for a delivery now, or None when it was sent or its cause is gone."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.state in ("sent", "undeliverable"):
        return None
    content = CONTENT.get(delivery.purpose)
    card = content(session, delivery, policy) if content else None
    if card is None:
        return None
    operation = delivery.operation
    if operation == "create" and session.scalar(
        select(Delivery.id)
        .where(
            Delivery.out_track_id == delivery.out_track_id,
            Delivery.operation == "create",
            Delivery.state == "sent",
            Delivery.id != delivery.id,
        )
        .limit(1)
    ):
        operation = "update"  # an earlier push created the card meanwhile
    user_id, mobile = delivery.dingtalk_user_id, None
    if delivery.recipient_kind == "candidate":
        candidate = session.get(Candidate, delivery.recipient_id)
        if candidate is not None:
            user_id = user_id or candidate.effective_dingtalk_user_id
            mobile = candidate.mobile
    return DeliveryWork(
        delivery_id=delivery.id,
        channel=delivery.channel,
        operation=operation,
        out_track_id=delivery.out_track_id,
        template=card.template,
        recipient_kind=delivery.recipient_kind,
        recipient_id=delivery.recipient_id,
        user_id=user_id,
        candidate_mobile=mobile,
        card=card,
        title=TITLES.get(delivery.purpose, card.template),
    )


def record_attempt(session: Session, delivery_id: int) -> None:
    """Count an attempt before calling DingTalk, so a killed worker leaves a visible trace."""
    with unit_of_work(session):
        delivery = session.get(Delivery, delivery_id)
        if delivery is not None:
            delivery.attempts += 1


def record_outcome(
    session: Session,
    delivery_id: int,
    state: str,
    *,
    error: str | None = None,
    user_id: str | None = None,
    channel: str | None = None,
    external_id: str | None = None,
) -> None:
    """Record what happened to one delivery (sent, throttled, failed, undeliverable)."""
    with unit_of_work(session):
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return
        delivery.state = state
        delivery.last_error = error
        delivery.dingtalk_user_id = user_id or delivery.dingtalk_user_id
        delivery.channel = channel or delivery.channel
        delivery.external_id = external_id or delivery.external_id


def link_candidate_user(
    session: Session, candidate_id: str, user_id: str, *, now: datetime, how: str
) -> None:
    """Remember a candidate's DingTalk user id found by us, with a history record saying how."""
    with unit_of_work(session):
        candidate = session.get(Candidate, candidate_id)
        if candidate is not None:
            set_candidate_link(session, candidate, user_id, now=now, reason=how)
