"""The buttons of a digest card: "Advance the N suggested", its confirmation, and Cancel.

Answered from the database only (DingTalk waits 2 s for the answer): the first press stores
which applications the card offered and asks to confirm; the confirmation records the bulk
decision and its outbox row, and a job (jobs/digests.py) records the N decisions, each like a
single one, then updates the card with the result. The digest row is locked for each press, so
two presses at once make one bulk decision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.digest import BulkView, bulk_text
from services.card_actions.click import CardActionResult, notice
from services.digests.content import bulk_view, digest_entries, suggested_open
from services.notify.policy import NotifyPolicy
from storage.attention_models import BulkDecision, ScoreDigest
from storage.db import unit_of_work
from storage.models import Staff
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_BULK_DECISION_REQUESTED

_NOTHING = ("没有待推进的建议候选人", "Nothing suggested is waiting for a decision")


def _answer(state: BulkView, lang: str, outcome: str = "done") -> CardActionResult:
    text = bulk_text(state, lang)
    data = {"bulk_state": state.state, "bulk_text": text}
    return CardActionResult(outcome, data, {"notice": ""}, text)


def _locked_digest(session: Session, out_track_id: str, user_id: str) -> ScoreDigest | None:
    """The digest of this card, if the clicker is the HR member it was sent to."""
    digest = session.scalars(
        select(ScoreDigest).where(ScoreDigest.out_track_id == out_track_id).with_for_update()
    ).first()
    staff = session.get(Staff, digest.staff_id) if digest else None
    if staff is None or staff.deleted or staff.dingtalk_user_id != user_id:
        return None
    return digest


def _open(
    session: Session, out_track_id: str, user_id: str, lang: str
) -> ScoreDigest | CardActionResult:
    """The digest this click may act on; or the answer when it may not act (again): someone
    else's card, or a bulk already running or done (its state is the answer)."""
    digest = _locked_digest(session, out_track_id, user_id)
    if digest is None:
        return notice("not_permitted", "notice_not_permitted", lang)
    view = bulk_view(session, digest, 0)
    if view.state in ("running", "done"):
        return _answer(view, lang, "duplicate")
    return digest


def ask_to_confirm(
    session: Session, *, out_track_id: str, user_id: str, policy: NotifyPolicy, lang: str
) -> CardActionResult:
    with unit_of_work(session):
        digest = _open(session, out_track_id, user_id, lang)
        if isinstance(digest, CardActionResult):
            return digest
        ids = suggested_open(digest_entries(session, digest, policy))
        if not ids:
            zh, en = _NOTHING
            return CardActionResult(
                "refused", {"bulk_state": "none"}, {"notice": en if lang == "en" else zh}, zh
            )
        digest.confirm_ids = ids
        return _answer(BulkView("confirm", len(ids)), lang)


def cancel(session: Session, *, out_track_id: str, user_id: str, lang: str) -> CardActionResult:
    with unit_of_work(session):
        digest = _open(session, out_track_id, user_id, lang)
        if isinstance(digest, CardActionResult):
            return digest
        digest.confirm_ids = []
        return CardActionResult("done", {"bulk_state": "ready", "bulk_text": ""}, {}, "")


def confirm(
    session: Session, *, out_track_id: str, user_id: str, now: datetime, lang: str
) -> CardActionResult:
    with unit_of_work(session):
        digest = _open(session, out_track_id, user_id, lang)
        if isinstance(digest, CardActionResult):
            return digest
        if not digest.confirm_ids:
            return notice("invalid", "notice_invalid", lang)
        bulk = BulkDecision(
            idempotency_key=f"digest:{digest.id}:advance",
            actor_staff_id=digest.staff_id,
            decision="advance",
            source="card",
            application_ids=list(digest.confirm_ids),
            state="requested",
            result={},
            created_at=now,
        )
        session.add(bulk)
        session.flush()
        digest.bulk_id = bulk.id
        session.add(
            OutboxEvent(
                kind=OUTBOX_BULK_DECISION_REQUESTED,
                entity_kind="bulk_decision",
                entity_id=str(bulk.id),
                dedupe_key=f"bulk:{bulk.id}",
                created_at=now,
                payload={"bulk_id": bulk.id, "digest_id": digest.id},
            )
        )
        return _answer(BulkView("running", len(bulk.application_ids)), lang)
