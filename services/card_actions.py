"""What a click on an HR card does: authorize, act once, answer with the new card state.

Database-only and fast, because DingTalk waits at most 2 s for the answer. The EHR write-back and
the other HR copies of the card are outbox events that jobs handle after the commit.

Race safety: a click locks the application row (PostgreSQL `FOR UPDATE`), so of two HR pressing
Advance and Reject at once the second waits, then sees the first decision and is told who made
it. `record_decision`'s unique (application, sequence) stays the last line of defence. A card is
decided once: a later click on any copy answers "already decided by X". Idempotency keys are
derived from the card, so a double click is one decision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from cards.builders import decision_update
from cards.text import t
from services.decisions import record_decision
from services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from services.flags import flag_score
from services.visibility import STAFF, Viewer, get_application_for_viewer
from storage.action_models import Decision, Delivery, ScoreFlag
from storage.db import unit_of_work
from storage.models import (
    VISIBLE_SCORE_STATUSES,
    Application,
    Interview,
    Requirement,
    Score,
    Staff,
)
from storage.sync_models import ChangeHistory, OutboxEvent

OUTBOX_MANUAL_REMINDER = "reminder.manual"
OUTBOX_DEADLINE_EXTENDED = "interview.deadline_extended"
OUTBOX_REQUIREMENT_REVIEWED = "requirement.reviewed"
REJECT_REASONS = ("skills", "availability", "salary", "other")
FLAG_NOTES = ("score_too_high", "score_too_low", "technical_issue", "other")
REQUIREMENT_REJECT_REASONS = ("unreadable", "wrong_document", "expired")
MAX_PARAM_CHARS = 128
EXTEND_HOURS = (1, 168)
OPEN_INTERVIEW = ("scheduled", "invited", "opened", "no_show")

# Words the shared cards/text.py does not have.
EXTRA_LABELS: dict[str, tuple[str, str]] = {
    "decision_requirement_reject": ("已驳回", "Rejected"),
    "decision_flag": ("已标记评分存疑", "Score flagged"),
    "notice_done": ("已处理：{label}", "Done: {label}"),
    "notice_duplicate": ("已处理过：{label}", "Already done: {label}"),
    "notice_already": ("已由 {name} 处理：{label}", "Already decided by {name}: {label}"),
    "notice_not_permitted": ("你无权处理此卡片", "You are not permitted to act on this card"),
    "notice_invalid": ("无法识别的操作", "This action is not recognised"),
    "notice_requirement_pending": (
        "仍有材料未提交或未通过，暂不能推进",
        "Cannot advance while a requirement is missing or rejected",
    ),
    "notice_application_closed": ("该申请已结束", "This application is already closed"),
    "notice_interview_closed": ("该面试已结束，无法延期", "This interview is over"),
    "notice_refused": ("操作未完成，请在小程序中查看", "Not done; please check in the mini-app"),
}


def label(key: str, lang: str) -> str:
    """The display text of `key` (cards/text.py first, then this module's words)."""
    try:
        return t(key, lang)
    except KeyError:
        zh, en = EXTRA_LABELS.get(key, (key, key))
        return en if lang == "en" else zh


@dataclass(frozen=True)
class CardActionResult:
    outcome: str  # done | duplicate | already_decided | not_permitted | refused | invalid
    card_data: dict[str, str]  # public data for the card (merged by key); empty: unchanged
    private_data: dict[str, str]  # the clicker's own view (the `notice` line)
    message: str


@dataclass(frozen=True)
class _Click:
    viewer: Viewer
    staff: Staff
    out_track_id: str
    application_id: str
    interview_id: str | None
    requirement_key: str | None
    card_sent_at: datetime | None
    params: dict[str, str]
    now: datetime
    lang: str


def _param(params: dict[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()[:MAX_PARAM_CHARS]
    return text or None


def _notice(outcome: str, key: str, lang: str, **fmt: str) -> CardActionResult:
    text = label(key, lang).format(**fmt)
    return CardActionResult(outcome, {}, {"notice": text}, text)


def _decided(
    outcome: str, decision: str, name: str, lang: str, *, key: str | None = None
) -> CardActionResult:
    if key is None and decision in ("advance", "reject", "hold", "withdraw"):
        data = decision_update(decision, name, lang=lang)
    else:
        text = label(key or f"decision_{decision}", lang)
        data = {"decision": decision, "decision_label": text, "decided_by": name}
    notice = {"done": "notice_done", "duplicate": "notice_duplicate"}.get(outcome, "notice_already")
    text = label(notice, lang).format(label=data["decision_label"], name=name)
    return CardActionResult(outcome, data, {"notice": text}, text)


def _clicker(session: Session, user_id: str) -> tuple[Viewer, Staff]:
    staff = session.scalars(
        select(Staff).where(Staff.dingtalk_user_id == user_id, Staff.deleted.is_(false()))
    ).first()
    if staff is None:
        raise Forbidden("the clicking user is not HR staff", code="staff_only")
    viewer = Viewer(
        dingtalk_user_id=user_id, staff_id=staff.id, staff_role=staff.role, roles=(STAFF,)
    )
    return viewer, staff


def _click(
    session: Session, *, out_track_id: str, user_id: str, params: dict[str, Any], now: datetime
) -> _Click:
    viewer, staff = _clicker(session, user_id)
    deliveries = list(
        session.scalars(
            select(Delivery).where(Delivery.out_track_id == out_track_id).order_by(Delivery.id)
        )
    )
    card_app = next((d.application_id for d in deliveries if d.application_id), None)
    interview_id = _param(params, "interview_id")
    requirement_key = _param(params, "requirement_id")
    application_id = card_app
    if requirement_key and ":" in requirement_key:
        application_id, _, requirement_key = requirement_key.partition(":")
    if interview_id:
        interview = session.get(Interview, interview_id)
        if interview is None or interview.deleted:
            raise NotFound(f"interview {interview_id} not found")
        application_id = interview.application_id
    if not application_id or (card_app and application_id != card_app):
        raise NotFound("the card does not name an application")
    get_application_for_viewer(session, viewer, application_id)  # scope, else NotFound
    return _Click(
        viewer=viewer,
        staff=staff,
        out_track_id=out_track_id,
        application_id=application_id,
        interview_id=interview_id,
        requirement_key=requirement_key,
        card_sent_at=deliveries[0].created_at if deliveries else None,
        params={k: v for k in ("reason", "note", "hours") if (v := _param(params, k))},
        now=now,
        lang="",
    )


def _earlier_decision(session: Session, click: _Click) -> Decision | None:
    """A decision this card already stands for: made from it, or made since it was sent."""
    conditions: list[ColumnElement[bool]] = []
    if click.interview_id:
        conditions.append(Decision.idempotency_key.like(f"card:{click.interview_id}:%"))
    if click.card_sent_at is not None:
        conditions.append(Decision.created_at >= click.card_sent_at)
    if not conditions:
        return None
    return session.scalars(
        select(Decision)
        .where(Decision.application_id == click.application_id, or_(*conditions))
        .order_by(Decision.sequence.desc())
    ).first()


def _name(session: Session, staff_id: str | None, fallback: str) -> str:
    staff = session.get(Staff, staff_id) if staff_id else None
    return staff.name if staff is not None else fallback


def _decide(session: Session, click: _Click, decision: str, reason: str | None) -> CardActionResult:
    # Serialize clicks on one application: the second waits here, then sees the first decision.
    session.execute(
        select(Application.id).where(Application.id == click.application_id).with_for_update()
    )
    key = f"card:{click.interview_id or click.application_id}:{decision}"
    earlier = _earlier_decision(session, click)
    if earlier is not None and earlier.idempotency_key != key:
        session.rollback()
        who = _name(session, earlier.actor_staff_id, earlier.source)
        return _decided("already_decided", earlier.decision, who, click.lang)
    try:
        row = record_decision(
            session,
            application_id=click.application_id,
            decision=decision,
            actor=click.viewer,
            reason=reason,
            source="card",
            idempotency_key=key,
            now=click.now,
        )
    except Conflict as exc:
        if exc.code != "already_decided":
            raise
        with unit_of_work(session):
            winner = _earlier_decision(session, click)
            if winner is None:
                raise
            who = _name(session, winner.actor_staff_id, winner.source)
            return _decided("already_decided", winner.decision, who, click.lang)
    if row.actor_staff_id != click.staff.id:
        who = _name(session, row.actor_staff_id, row.source)
        return _decided("already_decided", row.decision, who, click.lang)
    outcome = "duplicate" if earlier is not None else "done"
    return _decided(outcome, row.decision, click.staff.name, click.lang)


def _advance(session: Session, click: _Click) -> CardActionResult:
    return _decide(session, click, "advance", None)


def _reject(session: Session, click: _Click) -> CardActionResult:
    if click.requirement_key:
        return _review(session, click, "rejected")
    reason = click.params.get("reason")
    return _decide(session, click, "reject", reason if reason in REJECT_REASONS else "other")


def _hold(session: Session, click: _Click) -> CardActionResult:
    return _decide(session, click, "hold", None)


def _withdraw(session: Session, click: _Click) -> CardActionResult:
    return _decide(session, click, "withdraw", "marked withdrawn from the follow-up card")


def _open_interview(session: Session, click: _Click) -> Interview:
    interview = session.get(Interview, click.interview_id) if click.interview_id else None
    if interview is None or interview.deleted:
        raise NotFound("the card names no interview")
    return interview


def _outbox_once(session: Session, dedupe_key: str, row: OutboxEvent) -> bool:
    if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == dedupe_key)):
        return False
    row.dedupe_key = dedupe_key
    session.add(row)
    return True


def _remind(session: Session, click: _Click) -> CardActionResult:
    with unit_of_work(session):
        interview = _open_interview(session, click)
        added = _outbox_once(
            session,
            f"reminder-manual:{click.out_track_id}",
            OutboxEvent(
                kind=OUTBOX_MANUAL_REMINDER,
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
                },
            ),
        )
    return _decided("done" if added else "duplicate", "remind", click.staff.name, click.lang)


def _extend(session: Session, click: _Click) -> CardActionResult:
    hours_text = click.params.get("hours") or "24"
    if not hours_text.isdigit() or not EXTEND_HOURS[0] <= int(hours_text) <= EXTEND_HOURS[1]:
        raise InvalidInput("hours must be 1 to 168", code="invalid_hours")
    hours = int(hours_text)
    with unit_of_work(session):
        interview = _open_interview(session, click)
        dedupe = f"deadline-extend:{click.out_track_id}:{hours}"
        if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == dedupe)):
            return _decided("duplicate", "extend", click.staff.name, click.lang)
        if interview.status not in OPEN_INTERVIEW:
            raise Conflict(f"interview is {interview.status}", code="interview_closed")
        before = interview.deadline_at
        deadline = max(before or click.now, click.now) + timedelta(hours=hours)
        interview.deadline_at = deadline
        status_before = interview.status
        if interview.status == "no_show":
            interview.status = "invited"
        key = f"card:{interview.id}:extend:{click.out_track_id}:{hours}"
        session.add(
            ChangeHistory(
                entity_kind="interview",
                entity_id=interview.id,
                version=interview.version,
                event_id=None,
                source="local",
                operation="updated",
                received_at=click.now,
                applied_at=click.now,
                changes={
                    "deadline_at": {
                        "before": before.isoformat() if before else None,
                        "after": deadline.isoformat(),
                    },
                    "status": {"before": status_before, "after": interview.status},
                },
                data={"reason": "deadline extended from a card", "actor_staff_id": click.staff.id},
            )
        )
        _outbox_once(
            session,
            dedupe,
            OutboxEvent(
                kind=OUTBOX_DEADLINE_EXTENDED,
                entity_kind="interview",
                entity_id=interview.id,
                entity_version=interview.version,
                created_at=click.now,
                payload={
                    "interview_id": interview.id,
                    "application_id": click.application_id,
                    "deadline_at": deadline.isoformat(),
                    "actor_staff_id": click.staff.id,
                    # Every other copy of the clicked card is updated to say what was done.
                    "source_out_track_id": click.out_track_id,
                    "idempotency_key": key,
                },
            ),
        )
    return _decided("done", "extend", click.staff.name, click.lang)


def _flag(session: Session, click: _Click) -> CardActionResult:
    note = click.params.get("note") or "other"
    note = note if note in FLAG_NOTES else "other"
    score = session.scalars(
        select(Score)
        .where(
            Score.interview_id == (click.interview_id or ""),
            Score.deleted.is_(false()),
            Score.status.in_(VISIBLE_SCORE_STATUSES),
        )
        .order_by(Score.published_at.desc().nulls_last(), Score.id.desc())
    ).first()
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


def _approve(session: Session, click: _Click) -> CardActionResult:
    return _review(session, click, "approved")


def _review(session: Session, click: _Click, status: str) -> CardActionResult:
    decision = "approve" if status == "approved" else "reject"
    text_key = "decision_approve" if status == "approved" else "decision_requirement_reject"
    with unit_of_work(session):
        requirement = session.get(Requirement, (click.application_id, click.requirement_key or ""))
        if requirement is None:
            raise NotFound("the card names no requirement")
        if requirement.status in ("approved", "rejected"):
            done = requirement.status == status
            reviewer = _last_reviewer(session, click)
            outcome = "duplicate" if done else "already_decided"
            shown = "approve" if requirement.status == "approved" else "reject"
            shown_key = "decision_approve" if shown == "approve" else "decision_requirement_reject"
            return _decided(outcome, shown, reviewer or "EHR", click.lang, key=shown_key)
        before = requirement.status
        requirement.status = status
        key = f"card:{click.application_id}:requirement:{requirement.key}:{status}"
        session.add(
            ChangeHistory(
                entity_kind="application",
                entity_id=click.application_id,
                version=0,
                event_id=None,
                source="local",
                operation="updated",
                received_at=click.now,
                applied_at=click.now,
                changes={f"requirements.{requirement.key}": {"before": before, "after": status}},
                data={
                    "reason": "requirement reviewed from a card",
                    "actor_staff_id": click.staff.id,
                    # Every other copy of the clicked card is updated to say what was done.
                    "source_out_track_id": click.out_track_id,
                },
            )
        )
        _outbox_once(
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
    return _decided("done", decision, click.staff.name, click.lang, key=text_key)


def _last_reviewer(session: Session, click: _Click) -> str | None:
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
    return _name(session, str(row.payload.get("actor_staff_id") or ""), "HR")


HANDLERS: dict[str, Callable[[Session, _Click], CardActionResult]] = {
    "advance": _advance,
    "reject": _reject,
    "hold": _hold,
    "withdrawn": _withdraw,
    "withdraw": _withdraw,
    "remind": _remind,
    "extend": _extend,
    "flag": _flag,
    "approve": _approve,
}


def handle_card_action(
    session: Session,
    *,
    out_track_id: str,
    user_id: str,
    action: str,
    params: dict[str, Any],
    now: datetime,
    lang: str = "zh",
) -> CardActionResult:
    """Act on one card click by `user_id` and return the card state to answer DingTalk with."""
    handler = HANDLERS.get(action)
    if handler is None:
        return _notice("invalid", "notice_invalid", lang)
    try:
        click = _click(
            session,
            out_track_id=out_track_id[:MAX_PARAM_CHARS],
            user_id=user_id,
            params=params,
            now=now,
        )
        click = _Click(**{**click.__dict__, "lang": lang})
        return handler(session, click)
    except (NotFound, Forbidden):
        session.rollback()
        return _notice("not_permitted", "notice_not_permitted", lang)
    except InvalidInput:
        session.rollback()
        return _notice("invalid", "notice_invalid", lang)
    except DomainError as exc:  # Conflict: the card stays as it is, the clicker is told why
        session.rollback()
        key = f"notice_{exc.code}"
        return _notice("refused", key if key in EXTRA_LABELS else "notice_refused", lang)
