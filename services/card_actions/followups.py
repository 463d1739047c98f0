"""Card actions beyond the decision itself: remind, extend a deadline, flag, review a requirement.

Each is one unit of work on the cache plus an outbox row; the EHR write-back and the card copies
are jobs after the commit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.card_actions.click import (
    EXTEND_HOURS,
    FLAG_NOTES,
    CardActionResult,
    Click,
    decided,
    label,
    open_interview,
    outbox_once,
    staff_name,
)
from services.decisions.flags import flag_score
from services.ehr.local_changes import record_local_change
from services.errors import Conflict, InvalidInput, NotFound
from storage.action_models import ScoreFlag
from storage.db import unit_of_work
from storage.models import Interview, Requirement
from storage.safe_input import ascii_int
from storage.scores import get_latest_visible_score
from storage.sync_models import OutboxEvent
from storage.vocabulary import (
    OPEN_INTERVIEW_STATUSES,
    OUTBOX_DEADLINE_EXTENDED,
    OUTBOX_MANUAL_REMINDER,
    OUTBOX_REQUIREMENT_REVIEWED,
    REVIEWED_REQUIREMENT_STATUSES,
)


def _interview_event(kind: str, interview: Interview, click: Click, **payload: Any) -> OutboxEvent:
    """An outbox row about the clicked card's interview, with who acted and on which card."""
    return OutboxEvent(
        kind=kind,
        entity_kind="interview",
        entity_id=interview.id,
        entity_version=interview.version,
        created_at=click.now,
        payload={
            "interview_id": interview.id,
            "application_id": click.application_id,
            "actor_staff_id": click.staff.id,
            # Every other copy of the clicked card is updated to say what was done.
            "source_out_track_id": click.out_track_id,
            **payload,
        },
    )


def _remind(session: Session, click: Click) -> CardActionResult:
    with unit_of_work(session):
        interview = open_interview(session, click)
        added = outbox_once(
            session,
            f"reminder-manual:{click.out_track_id}",
            _interview_event(OUTBOX_MANUAL_REMINDER, interview, click),
        )
    return decided("done" if added else "duplicate", "remind", click.staff.name, click.lang)


def _extend(session: Session, click: Click) -> CardActionResult:
    hours = ascii_int(str(click.params.get("hours") or "24"), max_digits=3)
    if hours is None or not EXTEND_HOURS[0] <= hours <= EXTEND_HOURS[1]:
        raise InvalidInput("hours must be 1 to 168", code="invalid_hours")
    with unit_of_work(session):
        interview = open_interview(session, click)
        dedupe = f"deadline-extend:{click.out_track_id}:{hours}"
        if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == dedupe)):
            return decided("duplicate", "extend", click.staff.name, click.lang)
        if interview.status not in OPEN_INTERVIEW_STATUSES:
            raise Conflict(f"interview is {interview.status}", code="interview_closed")
        before = interview.deadline_at
        deadline = max(before or click.now, click.now) + timedelta(hours=hours)
        interview.deadline_at = deadline
        status_before = interview.status
        if interview.status == "no_show":
            interview.status = "invited"
        key = f"card:{interview.id}:extend:{click.out_track_id}:{hours}"
        record_local_change(
            session,
            entity_kind="interview",
            entity_id=interview.id,
            version=interview.version,
            changes={
                "deadline_at": {
                    "before": before.isoformat() if before else None,
                    "after": deadline.isoformat(),
                },
                "status": {"before": status_before, "after": interview.status},
            },
            now=click.now,
            reason="deadline extended from a card",
            actor_staff_id=click.staff.id,
        )
        outbox_once(
            session,
            dedupe,
            _interview_event(
                OUTBOX_DEADLINE_EXTENDED,
                interview,
                click,
                deadline_at=deadline.isoformat(),
                idempotency_key=key,
            ),
        )
    return decided("done", "extend", click.staff.name, click.lang)


def _flag(session: Session, click: Click) -> CardActionResult:
    note = click.params.get("note") or "other"
    note = note if note in FLAG_NOTES else "other"
    # The score the card's interview shows everywhere else: its latest visible one.
    score = get_latest_visible_score(session, click.interview_id or "")
    if score is None:
        raise NotFound("the card names no published score")
    existing = session.scalars(
        select(ScoreFlag).where(
            ScoreFlag.score_id == score.id,
            ScoreFlag.staff_id == click.staff.id,
            ScoreFlag.note == note,
        )
    ).first()
    if existing is None:
        flag_score(session, score_id=score.id, actor=click.viewer, note=note, now=click.now)
    else:
        session.rollback()
    text_key = "notice_duplicate" if existing else "notice_done"
    flag_label = label("decision_flag", click.lang)
    text = label(text_key, click.lang).format(label=flag_label)
    data = {"flagged_by": click.staff.name, "flag_label": flag_label, "flag_note": note}
    return CardActionResult("duplicate" if existing else "done", data, {"notice": text}, text)


def _approve(session: Session, click: Click) -> CardActionResult:
    return _review(session, click, "approved")


def _review(session: Session, click: Click, status: str) -> CardActionResult:
    decision = "approve" if status == "approved" else "reject"
    text_key = "decision_approve" if status == "approved" else "decision_requirement_reject"
    with unit_of_work(session):
        requirement = session.get(Requirement, (click.application_id, click.requirement_key or ""))
        if requirement is None:
            raise NotFound("the card names no requirement")
        if requirement.status in REVIEWED_REQUIREMENT_STATUSES:
            done = requirement.status == status
            reviewer = _last_reviewer(session, click)
            outcome = "duplicate" if done else "already_decided"
            shown = "approve" if requirement.status == "approved" else "reject"
            shown_key = "decision_approve" if shown == "approve" else "decision_requirement_reject"
            return decided(outcome, shown, reviewer or "EHR", click.lang, key=shown_key)
        before = requirement.status
        requirement.status = status
        key = f"card:{click.application_id}:requirement:{requirement.key}:{status}"
        record_local_change(
            session,
            entity_kind="application",
            entity_id=click.application_id,
            version=0,
            changes={f"requirements.{requirement.key}": {"before": before, "after": status}},
            now=click.now,
            reason="requirement reviewed from a card",
            actor_staff_id=click.staff.id,
        )
        outbox_once(
            session,
            f"requirement-review:{click.application_id}:{requirement.key}:{status}",
            OutboxEvent(
                kind=OUTBOX_REQUIREMENT_REVIEWED,
                entity_kind="application",
                entity_id=click.application_id,
                entity_version=None,
                created_at=click.now,
                payload={
                    "application_id": click.application_id,
                    "requirement_key": requirement.key,
                    "status": status,
                    "reason": click.params.get("reason"),
                    "actor_staff_id": click.staff.id,
                    # Every other copy of the clicked card is updated to say what was done.
                    "source_out_track_id": click.out_track_id,
                    "idempotency_key": key,
                },
            ),
        )
    return decided("done", decision, click.staff.name, click.lang, key=text_key)


def _last_reviewer(session: Session, click: Click) -> str | None:
    row = session.scalars(
        select(OutboxEvent)
        .where(
            OutboxEvent.kind == OUTBOX_REQUIREMENT_REVIEWED,
            OutboxEvent.entity_id == click.application_id,
            OutboxEvent.dedupe_key.like(
                f"requirement-review:{click.application_id}:{click.requirement_key}:%"
            ),
        )
        .order_by(OutboxEvent.id.desc())
    ).first()
    if row is None:
        return None
    return staff_name(session, str(row.payload.get("actor_staff_id") or ""), "HR")
