"""After an HR action from chat: the EHR write-back's bookkeeping and the cards it calls for.

The write-back job (jobs/writeback.py) asks `get_writeback` what to send to the EHR, records the
answer with `record_writeback_result` (a 409 reconciles the cached stage), then delivers the cards
planned here: every HR copy of the score card is updated to say who decided what (or that the EHR
refused it), and the candidate hears the outcome per company policy. services/notify/catalog.py
says which outbox kind and card purpose each planner and builder here handles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards import builders
from cards.builders import Card
from services.card_actions.click import label
from services.digests.record import touch_digests_of
from services.ehr.local_changes import record_local_change
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient, candidate_recipient
from storage.action_models import Decision, Delivery, ScoreFlag
from storage.db import unit_of_work
from storage.models import Application, Candidate, Interview, Position, Score, Staff
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_DECISION_RECORDED,
    OUTBOX_REQUIREMENT_REVIEWED,
    OUTBOX_SCORE_FLAGGED,
)

WRITEBACK_KINDS = (
    OUTBOX_DECISION_RECORDED,
    OUTBOX_SCORE_FLAGGED,
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_REQUIREMENT_REVIEWED,
)
# EHR_SOURCE=dingtalk_ats: the recruiting module has no decision API; the decision stands
# locally (the cache, the cards) and says so.
NOT_WRITTEN = "not_written"
NOT_WRITTEN_LABEL = {
    "zh": "{label}（未写回：来源没有决策接口）",
    "en": "{label} (not written back: the source has no decision API)",
}
CONFLICT_LABEL = {
    "zh": "{label}（EHR 未接受，当前阶段：{stage}）",
    "en": "{label} (refused by the EHR; stage is {stage})",
}
REJECTION_TEXT = {
    "zh": "感谢你的参与。很遗憾，本次未能进入下一轮，祝你求职顺利。",
    "en": "Thank you for your time. Unfortunately you will not advance this time.",
}


@dataclass(frozen=True)
class Writeback:
    """One call the EHR must receive; `done` when it was answered before (skip the call)."""

    outbox_id: int
    kind: str
    target_id: str  # application or interview id
    body: dict[str, Any]
    decision_id: int | None
    done: bool


def _flag_writeback(session: Session, event: OutboxEvent) -> Writeback | None:
    flag = session.get(ScoreFlag, int(event.payload.get("flag_id") or 0))
    score = session.get(Score, flag.score_id) if flag else None
    interview = session.get(Interview, score.interview_id) if score else None
    if flag is None or interview is None:
        return None
    body = {
        "decision": "hold",
        "actor_staff_id": flag.staff_id,
        "reason": f"AI score {flag.score_id} flagged by HR: {flag.note}",
        "idempotency_key": f"flag:{flag.id}",
    }
    return Writeback(event.id, event.kind, interview.application_id, body, None, False)


def get_writeback(session: Session, outbox_id: int) -> Writeback | None:
    """What the EHR must be told for an outbox event, or None when nothing (unknown event)."""
    event = session.get(OutboxEvent, outbox_id)
    if event is None or event.kind not in WRITEBACK_KINDS:
        return None
    payload = event.payload or {}
    if event.kind == OUTBOX_DECISION_RECORDED:
        decision = session.get(Decision, int(payload.get("decision_id") or 0))
        if decision is None:
            return None
        body = {
            "decision": decision.decision,
            "actor_staff_id": decision.actor_staff_id,
            "reason": decision.reason,
            "idempotency_key": decision.idempotency_key,
        }
        done = decision.writeback_state in ("written", "conflict", NOT_WRITTEN)
        return Writeback(event.id, event.kind, decision.application_id, body, decision.id, done)
    if event.kind == OUTBOX_SCORE_FLAGGED:
        return _flag_writeback(session, event)
    keys = ("deadline_at", "status", "requirement_key", "actor_staff_id", "idempotency_key")
    body = {k: payload[k] for k in keys if k in payload}
    target = str(payload.get("interview_id") or payload.get("application_id") or "")
    return Writeback(event.id, event.kind, target, body, None, event.state == "done")


def record_writeback_result(
    session: Session,
    writeback: Writeback,
    *,
    state: str,
    now: datetime,
    error: str | None = None,
    current_stage: str | None = None,
) -> None:
    """Record the EHR's answer; on a conflict set the cached stage to what the EHR says."""
    with unit_of_work(session):
        event = session.get(OutboxEvent, writeback.outbox_id)
        if event is not None and state != "written":
            event.last_error = f"write-back {state}: {error or ''}".strip()
        if writeback.decision_id is None:
            return
        decision = session.get(Decision, writeback.decision_id)
        if decision is None:
            return
        decision.writeback_attempts += 1
        decision.writeback_error = error
        if state in ("written", "conflict", "failed", NOT_WRITTEN):
            decision.writeback_state = state
        if state == "conflict" and current_stage:
            _reconcile_stage(session, decision, current_stage, now)


def _reconcile_stage(session: Session, decision: Decision, stage: str, now: datetime) -> None:
    application = session.get(Application, decision.application_id)
    if application is None or application.stage == stage:
        return
    before = application.stage
    application.stage = stage
    application.stage_changed_at = now
    record_local_change(
        session,
        entity_kind="application",
        entity_id=application.id,
        version=application.version,
        changes={"stage": {"before": before, "after": stage}},
        now=now,
        reason="EHR refused a decision (409); cache reconciled to the EHR's stage",
        decision_id=decision.id,
    )


def _hr_score_copies(session: Session, application_id: str) -> list[PlannedCard]:
    """The score cards HR received for this application (latest score per person)."""
    rows = session.execute(
        select(Delivery, OutboxEvent.entity_id)
        .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_id)
        .where(
            Delivery.application_id == application_id,
            Delivery.purpose == "score_hr",
            Delivery.operation == "create",
            Delivery.state == "sent",
            Delivery.channel == "card",
        )
        .order_by(Delivery.id.desc())
    ).all()
    cards: dict[str, PlannedCard] = {}
    for delivery, score_id in rows:
        if delivery.recipient_id in cards:
            continue
        recipient = Recipient("staff", delivery.recipient_id, delivery.dingtalk_user_id, "")
        cards[delivery.recipient_id] = PlannedCard(
            "score_hr_decision", recipient, f"score-{score_id}", operation="update"
        )
    return list(cards.values())


def plan_decision(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Plan the update of HR's score cards and, once the EHR accepted it, the candidate's card."""
    decision = session.get(Decision, int((event.payload or {}).get("decision_id") or 0))
    application = session.get(Application, decision.application_id) if decision else None
    if decision is None or application is None:
        return []
    cards = _hr_score_copies(session, application.id)
    # HR reading digests: the digest cards listing this application show the decision.
    touch_digests_of(session, application.id, now=event.created_at)
    candidate = session.get(Candidate, application.candidate_id)
    if decision.writeback_state != "written" or candidate is None or candidate.deleted:
        return cards  # the candidate hears nothing the EHR has not accepted
    key = f"decision-{decision.id}"
    if decision.decision == "advance":
        cards.append(PlannedCard("next_round", candidate_recipient(candidate), key))
    elif decision.decision == "reject" and policy.notify_candidate_on_reject:
        cards.append(PlannedCard("rejection_notice", candidate_recipient(candidate), key))
    return cards


def _decision_of(session: Session, delivery: Delivery) -> Decision | None:
    event = outbox_event_of(session, delivery)
    if event is None or event.kind != OUTBOX_DECISION_RECORDED:
        return None
    return session.get(Decision, int(event.payload.get("decision_id") or 0))


def _staff_name(session: Session, staff_id: str | None, fallback: str) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.name if staff is not None else fallback


def build_decision_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build the update of an HR score card: who decided what, or that the EHR refused it."""
    decision = _decision_of(session, delivery)
    if decision is None:
        return None
    lang = policy.language
    who = _staff_name(session, decision.actor_staff_id, decision.source)
    data = builders.decision_update(decision.decision, who, lang=lang)
    if decision.writeback_state == NOT_WRITTEN:
        data["decision_label"] = NOT_WRITTEN_LABEL[lang].format(label=data["decision_label"])
    if decision.writeback_state == "conflict":
        application = session.get(Application, decision.application_id)
        stage = application.stage if application else "?"
        data["decision_label"] = CONFLICT_LABEL[lang].format(
            label=data["decision_label"], stage=stage
        )
    return Card("score_hr", data)


def _candidate_chain(
    session: Session, decision: Decision
) -> tuple[Application, Candidate, Position] | None:
    application = session.get(Application, decision.application_id)
    candidate = session.get(Candidate, application.candidate_id) if application else None
    position = session.get(Position, application.position_id) if application else None
    if application is None or candidate is None or position is None:
        return None
    return application, candidate, position


def build_next_round_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the candidate's card saying they advance, with the stage as it is now."""
    decision = _decision_of(session, delivery)
    chain = _candidate_chain(session, decision) if decision else None
    if decision is None or chain is None:
        return None
    application, candidate, position = chain
    return builders.next_round(
        candidate_name=candidate.name,
        position=position.title,
        stage=application.stage,
        contact_name=_staff_name(session, decision.actor_staff_id, "HR"),
        details_url=policy.miniapp_url,
        lang=policy.language,
        allow_http=policy.allow_http_links,
    )


def build_rejection_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build the candidate's rejection notice."""
    # Sent only when the company enables NOTIFY_CANDIDATE_ON_REJECT (plan_decision checks).
    decision = _decision_of(session, delivery)
    chain = _candidate_chain(session, decision) if decision else None
    if chain is None:
        return None
    _application, candidate, position = chain
    return builders.rejection_notice(
        candidate_name=candidate.name,
        position=position.title,
        text=REJECTION_TEXT[policy.language],
        details_url=policy.miniapp_url,
        allow_http=policy.allow_http_links,
    )


def plan_flag(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    """Plan the update of every HR score card of the application to show the flag."""
    score = session.get(Score, event.entity_id)
    interview = session.get(Interview, score.interview_id) if score else None
    if interview is None:
        return []
    return [
        PlannedCard("score_hr_flag", card.recipient, card.card_key, operation="update")
        for card in _hr_score_copies(session, interview.application_id)
    ]


def build_flag_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    """Build the update of an HR score card: who flagged the score, and why."""
    event = outbox_event_of(session, delivery)
    flag = session.get(ScoreFlag, int(event.payload.get("flag_id") or 0)) if event else None
    if flag is None:
        return None
    data = {
        "flagged_by": _staff_name(session, flag.staff_id, "HR"),
        "flag_label": label("decision_flag", policy.language),
        "flag_note": flag.note[:200],
    }
    return Card("score_hr", data)
