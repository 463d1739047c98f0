"""The offer's jobs: draft it when an application enters `offer`, and write its progress to
the EHR before the cards go out (jobs/dispatch.py routes the outbox rows here).

The EHR calls carry idempotency keys derived from the offer (services/offers/ehr_writes.py), so
a retried job is harmless; a transient failure raises for RQ's Retry; a 409 reconciles (the
EHR's offer id and status are kept) and the cards still go out.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import LockError

from clients.ehr import EhrClient, EhrConflict, EhrError, EhrTransientError
from jobs import context
from jobs.bgcheck import cancel_on_stage_change, start_for_answered_offer
from jobs.notify import deliver_outbox_event
from jobs.offer_approvals import poll_approvals
from jobs.offer_signing import poll_signing
from services.clock.quiet_hours import working_hours_from_settings
from services.decisions.policy import policy_defaults_from_settings
from services.offers.clock import sweep_offers
from services.offers.draft import OFFER_STAGE, DraftResult, draft_missing, draft_offer
from services.offers.ehr_writes import EhrWrite, OfferWrites, record_ehr_answer, writes_for
from storage import redis_keys
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)
LOCK_SECONDS = 300


def draft_for_application(application_id: str) -> DraftResult:
    """Draft the application's offer if it is due (idempotent)."""
    runtime = context.current().runtime
    defaults = policy_defaults_from_settings(runtime.settings)
    with runtime.session_factory() as session:
        result = draft_offer(session, application_id, now=datetime.now(UTC), defaults=defaults)
    log.info("offer draft %s", result.action, extra={"ctx": {"application_id": application_id}})
    return result


def draft_on_stage_change(outbox_id: int) -> str:
    """An `application.stage_changed` row: draft the offer when the new stage is `offer`; a
    stopped application's open background check is cancelled (jobs/bgcheck.py)."""
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        after = ((row.payload or {}).get("after") or {}) if row is not None else {}
        application_id = row.entity_id if row is not None else ""
    action = "skipped"
    if after.get("stage") == OFFER_STAGE and application_id:
        action = draft_for_application(application_id).action
    cancel_on_stage_change(outbox_id)  # a stopped application's open check ends
    deliver_outbox_event(outbox_id)  # no card of its own: marks the row done
    return action


def _call(
    ehr: EhrClient, work: OfferWrites, write: EhrWrite, ehr_id: str | None
) -> dict[str, Any] | None:
    body = write.body
    if write.step == "create":
        return ehr.create_offer(
            work.application_id,
            salary=body["salary"],
            start_date=body["start_date"],
            expires_at=body["expires_at"],
            benefits=body["benefits"],
            actor_staff_id=body["actor_staff_id"],
            reason=body["reason"],
            idempotency_key=write.idempotency_key,
        )
    if ehr_id is None:
        raise EhrError("the EHR has no offer to update yet")
    return ehr.post_offer_status(
        ehr_id,
        status=write.step,
        actor_id=body["actor_id"],
        signed_at=body.get("signed_at"),
        idempotency_key=write.idempotency_key,
    )


def write_offer(outbox_id: int) -> str:
    """Make the EHR's offer match one outbox row; return what happened."""
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        work = writes_for(session, outbox_id)
    if work is None or not work.writes:
        return "skipped"
    ehr, ehr_id, state = EhrClient.from_settings(runtime.settings), work.ehr_offer_id, "written"
    try:
        for write in work.writes:
            try:
                answer, conflict = _call(ehr, work, write, ehr_id), False
            except EhrConflict as exc:
                answer, conflict, state = exc.current("offer"), True, "conflict"
            with runtime.session_factory() as session:
                ehr_id = record_ehr_answer(
                    session,
                    work.offer_id,
                    write,
                    answer=answer,
                    conflict=conflict,
                    now=datetime.now(UTC),
                )
    except EhrTransientError:
        raise  # RQ's Retry runs the job again with back-off
    except EhrError as exc:
        state = f"failed {type(exc).__name__}"
        log.warning("offer write-back refused", extra={"ctx": {"outbox_id": outbox_id}})
    finally:
        ehr.close()
    log.info("offer write-back %s", state, extra={"ctx": {"offer_id": work.offer_id}})
    return state


def sweep_offers_job() -> dict[str, int]:
    """Periodic: draft offers a stage change missed; expire sent offers past their expiry;
    remind candidates 24 h before it; read the DingTalk OA approvals still waiting (the
    fallback when their event was lost) and the open e-signature flows."""
    runtime = context.current().runtime
    lock = runtime.redis.lock(redis_keys.clock_lock("offers"), timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return {"skipped": 1}
    try:
        hours = working_hours_from_settings(runtime.settings)
        defaults = policy_defaults_from_settings(runtime.settings)
        now = datetime.now(UTC)
        with runtime.session_factory() as session:
            drafted = draft_missing(session, now=now, defaults=defaults)
            actions = sweep_offers(session, now=now, hours=hours)
        polled = {**poll_approvals(), **poll_signing()}
    finally:
        with contextlib.suppress(LockError):  # expired meanwhile: nothing of ours to release
            lock.release()
    return {**Counter(a.action for a in actions), "drafted": len(drafted), **polled}


def process_offer_event(outbox_id: int) -> int:
    """Write the offer's progress to the EHR, then deliver the row's cards; an accepted offer
    starts the background check (jobs/bgcheck.py)."""
    write_offer(outbox_id)
    delivered = deliver_outbox_event(outbox_id)
    start_for_answered_offer(outbox_id)
    return delivered
