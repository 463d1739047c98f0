"""Write HR actions from chat back to the EHR, then deliver the cards they call for.

One job per outbox row of a kind services/notify/catalog.py marks `write_back` (a decision, a
score flag, a deadline extension, a requirement review); jobs/dispatch.py routes them here. The EHR
call carries the idempotency key recorded with the action, so a retried job is harmless. A
transient failure raises and RQ's Retry applies; a 409 reconciles the cache and the cards say the
EHR refused.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from clients.ehr import EhrClient, EhrConflict, EhrError, EhrTransientError
from jobs import context
from jobs.notify import deliver_outbox_event
from jobs.offers import draft_for_application
from services.decisions import cards as decision_cards
from services.decisions.cards import NOT_WRITTEN, Writeback
from storage.sync_models import OutboxEvent
from storage.vocabulary import OUTBOX_DEADLINE_EXTENDED, OUTBOX_REQUIREMENT_REVIEWED

log = logging.getLogger(__name__)
NOT_WRITTEN_REASON = "not written back: the source has no decision API"


def _call_ehr(ehr: EhrClient, work: Writeback) -> None:
    body = work.body
    actor = str(body.get("actor_staff_id") or "")
    key = str(body["idempotency_key"])
    if work.kind == OUTBOX_DEADLINE_EXTENDED:
        deadline = datetime.fromisoformat(str(body["deadline_at"]))
        ehr.extend_deadline(
            work.target_id, deadline_at=deadline, actor_staff_id=actor, idempotency_key=key
        )
    elif work.kind == OUTBOX_REQUIREMENT_REVIEWED:
        ehr.review_requirement(
            work.target_id,
            str(body["requirement_key"]),
            status=str(body["status"]),
            actor_staff_id=actor,
            idempotency_key=key,
        )
    else:
        reason = body.get("reason")
        ehr.post_decision(
            work.target_id,
            decision=str(body["decision"]),
            actor_staff_id=actor,
            reason=str(reason) if reason is not None else None,
            idempotency_key=key,
        )


def write_back(outbox_id: int) -> str:
    """Send one outbox row's change to the EHR; return the recorded state."""
    ctx = context.current()
    with ctx.runtime.session_factory() as session:
        work = decision_cards.get_writeback(session, outbox_id)
    if work is None or work.done:
        return "skipped"
    now = datetime.now(UTC)
    if ctx.runtime.settings.EHR_SOURCE == "dingtalk_ats":
        # DingTalk's recruiting module takes no decisions from outside: kept here, and said.
        with ctx.runtime.session_factory() as session:
            decision_cards.record_writeback_result(
                session, work, state=NOT_WRITTEN, now=now, error=NOT_WRITTEN_REASON
            )
        return NOT_WRITTEN
    ehr = EhrClient.from_settings(ctx.runtime.settings)
    state, error, stage = "written", None, None
    try:
        _call_ehr(ehr, work)
    except EhrConflict as exc:
        state, error, stage = "conflict", f"HTTP 409 {exc.current_stage or ''}", exc.current_stage
    except EhrTransientError as exc:
        with ctx.runtime.session_factory() as session:
            decision_cards.record_writeback_result(
                session, work, state="pending", now=now, error=str(exc)
            )
        raise  # RQ's Retry runs the job again with back-off
    except EhrError as exc:
        state, error = "failed", f"{type(exc).__name__} {exc.status or ''}".strip()
    finally:
        ehr.close()
    with ctx.runtime.session_factory() as session:
        decision_cards.record_writeback_result(
            session, work, state=state, now=now, error=error, current_stage=stage
        )
    log.info(
        "write-back %s",
        state,
        extra={"ctx": {"outbox_id": outbox_id, "kind": work.kind, "target": work.target_id}},
    )
    return state


def process_decision_event(outbox_id: int) -> int:
    """Write the action back to the EHR, then deliver its cards; return how many went out.
    An Advance into `offer` then drafts the offer (jobs/offers.py; once per application)."""
    write_back(outbox_id)
    sent = deliver_outbox_event(outbox_id)
    with context.current().runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        payload = (row.payload or {}) if row is not None else {}
    if payload.get("decision") == "advance" and payload.get("application_id"):
        draft_for_application(str(payload["application_id"]))
    return sent
