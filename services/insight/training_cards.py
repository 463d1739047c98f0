"""The training alert card to a new hire's HR owners, and their three buttons: Add coaching,
Extend the due date (by EXTEND_DAYS), Note. services/notify/catalog.py names the planner and
the builder; services/card_actions/handle.py routes the buttons here.

The builder reads the course again at send time: a course removed meanwhile sends nothing. A
button press is database-only (DingTalk waits 2 s), authorized like every HR card (the clicker's
scope must hold the application), and recorded once per alert and answer (a record-only outbox
row whose dedupe key a double click, or a co-owner's copy of the card, repeats).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from cards.builders import Card, fmt_score, fmt_time
from services.card_actions.click import CardActionResult, Click
from services.insight.training import COMPLETION, answer_training_alert
from services.notify.base import PlannedCard, outbox_event_of
from services.notify.policy import NotifyPolicy
from services.notify.recipients import hr_owner_recipients
from storage.action_models import Delivery
from storage.db import unit_of_work
from storage.ehr_log import add_outbox_events
from storage.insight_models import TrainingFollowup
from storage.models import Application, Candidate, Position, TrainingProgress
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_TRAINING_ANSWERED

ACTIONS = {"training_coaching": "coaching", "training_extend": "extend", "training_note": "note"}
_WORDS = {
    "completion": ("逾期未完成：完成率 {value}%", "Past due and incomplete: {value}% completed"),
    "exam": ("考试成绩偏低：{value} 分", "Low exam score: {value}"),
    "coaching": ("已安排辅导", "Coaching added"),
    "extend": ("已延长截止日期至 {due}", "Due date extended to {due}"),
    "note": ("已记录备注", "Note recorded"),
    "coaching_done": ("已安排辅导", "Coaching added"),
    "extend_done": ("已延长截止日期", "Due date extended"),
    "note_done": ("已记录该备注", "This note is recorded"),
    "duplicate": ("已处理过：{label}", "Already done: {label}"),
    "gone": ("该课程已不存在", "This course is gone"),
    "not_permitted": ("你无权处理此卡片", "You are not permitted to act on this card"),
}


def _word(key: str, lang: str, **fmt: str) -> str:
    zh, en = _WORDS[key]
    return (en if lang == "en" else zh).format(**fmt)


@dataclass(frozen=True)
class CourseChain:
    progress: TrainingProgress
    followup: TrainingFollowup
    application: Application
    candidate: Candidate
    position: Position


def _chain(session: Session, event: OutboxEvent | None) -> CourseChain | None:
    payload = (event.payload or {}) if event else {}
    app_id, course = str(payload.get("application_id") or ""), str(payload.get("course_key") or "")
    progress = session.scalars(
        select(TrainingProgress).where(
            TrainingProgress.application_id == app_id,
            TrainingProgress.course_key == course,
            TrainingProgress.deleted.is_(false()),
        )
    ).first()
    followup = session.get(TrainingFollowup, (app_id, course))
    application = session.get(Application, app_id)
    if progress is None or followup is None or application is None or application.deleted:
        return None
    candidate = session.get(Candidate, application.candidate_id)
    position = session.get(Position, application.position_id)
    if candidate is None or position is None or candidate.deleted or position.deleted:
        return None
    return CourseChain(progress, followup, application, candidate, position)


def plan_training_alert(
    session: Session, event: OutboxEvent, policy: NotifyPolicy
) -> list[PlannedCard]:
    """Plan the alert card to each HR owner of the new hire's position."""
    chain = _chain(session, event)
    if chain is None:
        return []
    key = f"training-{event.id}"
    return [
        PlannedCard("training_alert_hr", r, key)
        for r in hr_owner_recipients(session, chain.position.id)
    ]


def build_training_alert_card(
    session: Session, delivery: Delivery, policy: NotifyPolicy
) -> Card | None:
    """Build the alert from the course as it is now."""
    event = outbox_event_of(session, delivery)
    chain = _chain(session, event)
    if chain is None or event is None:
        return None
    lang, p = policy.language, chain.progress
    threshold = str((event.payload or {}).get("threshold") or COMPLETION)
    value = p.completion if threshold == COMPLETION else p.exam_score
    report = f"{policy.miniapp_url.rstrip('/')}/#/hr/applications/{chain.application.id}/insight"
    data = {
        "application_id": chain.application.id,
        "course_key": p.course_key,
        "candidate_name": chain.candidate.name[:200],
        "position": chain.position.title[:200],
        "course_title": p.course_title[:200],
        "completion": fmt_score(p.completion),
        "exam_score": fmt_score(p.exam_score) if p.exam_score is not None else "–",
        "due_date": fmt_time(chain.followup.due_at, lang),
        "reason": _word(threshold, lang, value=fmt_score(value)),
        "report_url": report,
    }
    return Card("training_alert_hr", data)


def _alert_of(session: Session, out_track_id: str) -> tuple[int, str] | None:
    """The alert (outbox row id) and course the card was sent for."""
    delivery = session.scalars(
        select(Delivery).where(Delivery.out_track_id == out_track_id).order_by(Delivery.id)
    ).first()
    event = outbox_event_of(session, delivery) if delivery else None
    course = (event.payload or {}).get("course_key") if event else None
    return (event.id, str(course)) if event is not None and course else None


def _record(
    click: Click, answer: str, alert: tuple[int, str], note: str | None
) -> dict[str, object]:
    # One answer of each kind per alert, whichever HR owner's copy of the card it came from.
    alert_id, course = alert
    digest = hashlib.sha256((note or "").encode()).hexdigest()[:16]
    return {
        "kind": OUTBOX_TRAINING_ANSWERED,
        "entity_kind": "application",
        "entity_id": click.application_id,
        "entity_version": None,
        "dedupe_key": f"training-answer:{alert_id}:{answer}:{digest}",
        "created_at": click.now,
        "payload": {
            "application_id": click.application_id,
            "course_key": course,
            "answer": answer,
            "actor_staff_id": click.staff.id,
        },
        "state": "done",  # the record of what HR did: nothing to deliver
        "attempts": 0,
    }


def answer_training_card(session: Session, click: Click, action: str) -> CardActionResult:
    """Add coaching, extend the due date or record a note from the alert card."""
    answer = ACTIONS[action]
    lang = click.lang
    with unit_of_work(session):
        alert = _alert_of(session, click.out_track_id)
        course = alert[1] if alert else None
        found = session.get(TrainingFollowup, (click.application_id, course)) if course else None
        if alert is None or course is None or found is None:
            text = _word("gone", lang)
            return CardActionResult("refused", {}, {"notice": text}, text)
        note = click.params.get("note") if answer == "note" else None
        if add_outbox_events(session, [_record(click, answer, alert, note)]) == 0:
            text = _word("duplicate", lang, label=_word(f"{answer}_done", lang))
            return CardActionResult("duplicate", {}, {"notice": text}, text)
        row = answer_training_alert(
            session, application_id=click.application_id, course_key=course, action=answer,
            actor_staff_id=click.staff.id, now=click.now, note=note,
        )  # fmt: skip
        assert row is not None  # locked above in this transaction
        text = _word(answer, lang, due=fmt_time(row.due_at, lang))
        data = {"followup": answer, "followup_label": text, "decided_by": click.staff.name}
        return CardActionResult("done", data, {"notice": text}, text)


def add_coaching(session: Session, click: Click) -> CardActionResult:
    return answer_training_card(session, click, "training_coaching")


def extend_due_date(session: Session, click: Click) -> CardActionResult:
    return answer_training_card(session, click, "training_extend")


def add_note(session: Session, click: Click) -> CardActionResult:
    return answer_training_card(session, click, "training_note")
