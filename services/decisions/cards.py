"""After an HR action from chat: the EHR write-back's bookkeeping and the cards it calls for.

The write-back job (jobs/writeback.py) asks `get_writeback` what to send to the EHR, records the
answer with `record_writeback_result` (a 409 reconciles the cached stage), then delivers the cards
planned here: every HR copy of the score card is updated to say who decided what (or that the EHR
refused it), and the candidate hears the outcome per company policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards import builders
from cards.builders import Card
from services.card_actions.click import (
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_MANUAL_REMINDER,
    OUTBOX_REQUIREMENT_REVIEWED,
    label,
)
from services.decisions.decide import OUTBOX_DECISION_RECORDED
from services.decisions.flags import OUTBOX_SCORE_FLAGGED
from services.ehr.local_changes import record_local_change
from services.notify.policy import NotifyPolicy
from services.notify.recipients import Recipient, candidate_recipient
from services.notify.registry import PlannedCard, content, planner
from storage.action_models import Decision, Delivery, ScoreFlag
from storage.db import unit_of_work
from storage.models import Application, Candidate, Interview, Position, Score, Staff
from storage.sync_models import OutboxEvent

WRITEBACK_KINDS = (
    OUTBOX_DECISION_RECORDED,
    OUTBOX_SCORE_FLAGGED,
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_REQUIREMENT_REVIEWED,
)
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
        done = decision.writeback_state in ("written", "conflict")
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
        if state in ("written", "conflict", "failed"):
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


@planner(OUTBOX_DECISION_RECORDED)
def _plan_decision(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    decision = session.get(Decision, int((event.payload or {}).get("decision_id") or 0))
    application = session.get(Application, decision.application_id) if decision else None
    if decision is None or application is None:
        return []
    cards = _hr_score_copies(session, application.id)
    candidate = session.get(Candidate, application.candidate_id)
    if decision.writeback_state != "written" or candidate is None or candidate.deleted:
        return cards  # the candidate hears nothing the EHR has not accepted
    key = f"decision-{decision.id}"
    if decision.decision == "advance":
        cards.append(PlannedCard("next_round", candidate_recipient(candidate), key))
    elif decision.decision == "reject" and policy.notify_candidate_on_reject:
        cards.append(PlannedCard("rejection_notice", candidate_recipient(candidate), key))
    return cards


def _event(session: Session, delivery: Delivery) -> OutboxEvent | None:
    return session.get(OutboxEvent, delivery.outbox_id) if delivery.outbox_id else None


def _decision_of(session: Session, delivery: Delivery) -> Decision | None:
    event = _event(session, delivery)
    if event is None or event.kind != OUTBOX_DECISION_RECORDED:
        return None
    return session.get(Decision, int(event.payload.get("decision_id") or 0))


def _staff_name(session: Session, staff_id: str | None, fallback: str) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.name if staff is not None else fallback


@content("score_hr_decision", title="AI 面试得分")
def _decision_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    decision = _decision_of(session, delivery)
    if decision is None:
        return None
    lang = policy.language
    who = _staff_name(session, decision.actor_staff_id, decision.source)
    data = builders.decision_update(decision.decision, who, lang=lang)
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


@content("next_round", title="恭喜进入下一轮")
def _next_round_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
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


@content("rejection_notice", title="面试结果通知")
def _rejection_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    # Sent only when the company enables NOTIFY_CANDIDATE_ON_REJECT (the planner checks).
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


@planner(OUTBOX_MANUAL_REMINDER, OUTBOX_DEADLINE_EXTENDED)
def _plan_reminder(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    interview = session.get(Interview, str((event.payload or {}).get("interview_id") or ""))
    application = session.get(Application, interview.application_id) if interview else None
    candidate = session.get(Candidate, application.candidate_id) if application else None
    if candidate is None or candidate.deleted:
        return []
    key = f"{event.kind.replace('.', '-')}-{event.id}"
    cards = [PlannedCard("invite_reminder_manual", candidate_recipient(candidate), key)]
    return cards + sibling_updates(session, event)


COPY_ACTIONS = {OUTBOX_MANUAL_REMINDER: "remind", OUTBOX_DEADLINE_EXTENDED: "extend"}


def sibling_updates(session: Session, event: OutboxEvent) -> list[PlannedCard]:
    """In-place updates of every copy of the card a button was pressed on."""
    track = str((event.payload or {}).get("source_out_track_id") or "")
    source = session.scalars(
        select(Delivery).where(Delivery.out_track_id == track, Delivery.operation == "create")
    ).first()
    if not track or source is None or source.outbox_id is None:
        return []
    copies = session.scalars(
        select(Delivery).where(
            Delivery.outbox_id == source.outbox_id,
            Delivery.purpose == source.purpose,
            Delivery.operation == "create",
            Delivery.state == "sent",
        )
    )
    return [
        PlannedCard(
            "copy_status",
            Recipient(copy.recipient_kind, copy.recipient_id, copy.dingtalk_user_id, ""),
            card_key=copy.out_track_id,
            operation="update",
            track_id=copy.out_track_id,
        )
        for copy in copies
    ]


@content("copy_status", title="处理结果")
def _copy_status(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    event = _event(session, delivery)
    action = COPY_ACTIONS.get(event.kind) if event else None
    actor = session.get(Staff, str(event.payload.get("actor_staff_id") or "")) if event else None
    if action is None or actor is None:
        return None
    return Card("copy_status", builders.decision_update(action, actor.name, lang=policy.language))


@content("invite_reminder_manual", title="AI 面试提醒")
def _reminder_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    event = _event(session, delivery)
    interview = (
        session.get(Interview, str(event.payload.get("interview_id") or "")) if event else None
    )
    application = session.get(Application, interview.application_id) if interview else None
    candidate = session.get(Candidate, application.candidate_id) if application else None
    position = session.get(Position, application.position_id) if application else None
    if interview is None or candidate is None or position is None:
        return None
    return builders.invite_reminder(
        candidate_name=candidate.name,
        position=position.title,
        deadline=interview.deadline_at,
        # An EHR link the allow-list refuses (javascript:...) gives way to our own page.
        interview_url=interview.invitation_url,
        fallback_url=policy.report_url(interview.id),
        lang=policy.language,
        allow_http=policy.allow_http_links,
    )


@planner(OUTBOX_SCORE_FLAGGED)
def _plan_flag(session: Session, event: OutboxEvent, policy: NotifyPolicy) -> list[PlannedCard]:
    score = session.get(Score, event.entity_id)
    interview = session.get(Interview, score.interview_id) if score else None
    if interview is None:
        return []
    return [
        PlannedCard("score_hr_flag", card.recipient, card.card_key, operation="update")
        for card in _hr_score_copies(session, interview.application_id)
    ]


@content("score_hr_flag", title="AI 面试得分")
def _flag_card(session: Session, delivery: Delivery, policy: NotifyPolicy) -> Card | None:
    event = _event(session, delivery)
    flag = session.get(ScoreFlag, int(event.payload.get("flag_id") or 0)) if event else None
    if flag is None:
        return None
    data = {
        "flagged_by": _staff_name(session, flag.staff_id, "HR"),
        "flag_label": label("decision_flag", policy.language),
        "flag_note": flag.note[:200],
    }
    return Card("score_hr", data)
