"""The background check's jobs (jobs/dispatch.py routes its outbox rows here): start it when an
offer is accepted, create it with the vendor once the candidate consented, read the vendor's
report when a webhook (or the polling sweep) says so, and write each step to the EHR before the
cards go out.

Vendor and EHR calls happen here, between database-only service calls. A transient failure
raises for RQ's Retry; the ID-card number is decrypted only to be sent to the vendor and never
appears in a log line.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import LockError

from clients.bgcheck import BgcheckClient, BgcheckError, BgcheckTransientError
from jobs import context
from jobs.ehr_write import write_to_ehr
from jobs.notify import deliver_outbox_event
from services.bgcheck import vendor as vd
from services.bgcheck.candidate import start_check
from services.onboarding.notice import plan_onboarding
from storage import redis_keys
from storage.bgcheck_models import BackgroundCheck
from storage.sync_models import OutboxEvent
from storage.vocabulary import STOPPED_STAGES

log = logging.getLogger(__name__)
LOCK_SECONDS = 300


def _payload(outbox_id: int) -> dict[str, Any]:
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        return dict(row.payload or {}) if row is not None else {}


def start_for_answered_offer(outbox_id: int) -> str:
    """An accepted offer's row: start the background check unless BGCHECK_VENDOR=none."""
    runtime = context.current().runtime
    payload = _payload(outbox_id)
    if payload.get("status") != "accepted":
        return "skipped"
    if runtime.settings.BGCHECK_VENDOR == "none":  # no check: the onboarding notice is due
        with runtime.session_factory() as session:
            plan_onboarding(session, str(payload.get("application_id")), now=datetime.now(UTC))
        return "onboarding"
    with runtime.session_factory() as session:
        check = start_check(
            session,
            str(payload.get("application_id")),
            vendor=runtime.settings.BGCHECK_VENDOR,
            now=datetime.now(UTC),
        )
    return "started" if check is not None else "skipped"


def cancel_on_stage_change(outbox_id: int) -> str:
    """An `application.stage_changed` row to a stopped stage: cancel an open check (here and
    at the vendor); the ID number is erased."""
    runtime = context.current().runtime
    payload = _payload(outbox_id)
    if ((payload.get("after") or {}).get("stage")) not in STOPPED_STAGES:
        return "skipped"
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        application_id = row.entity_id if row is not None else ""
        reference = vd.cancel_for_application(session, application_id, now=datetime.now(UTC))
    if reference is None:
        return "skipped"
    client = BgcheckClient.from_settings(runtime.settings)
    try:
        client.cancel_report(reference)
    except BgcheckError:  # ours is cancelled and the number gone; the vendor's report lingers
        log.warning("vendor cancel failed", extra={"ctx": {"application_id": application_id}})
    finally:
        client.close()
    log.info("background check cancelled", extra={"ctx": {"application_id": application_id}})
    return "cancelled"


def create_at_vendor(outbox_id: int) -> str:
    """Consent given: register the candidate and order the check with the vendor."""
    runtime = context.current().runtime
    check_id = str(_payload(outbox_id).get("check_id") or "")
    key = runtime.settings.require("PII_ENCRYPTION_KEY")
    with runtime.session_factory() as session:
        request = vd.creation_request(session, check_id, pii_key=key)
    if request is None:
        deliver_outbox_event(outbox_id)
        return "skipped"
    client = BgcheckClient.from_settings(runtime.settings)
    try:
        vendor_candidate = client.create_candidate(
            custom_id=request.custom_id,
            name=request.name,
            id_number=request.id_number,
            previous_employers=request.previous_employers,
        )
        report = client.create_report(vendor_candidate, package=request.package)
    finally:
        client.close()
    with runtime.session_factory() as session:
        vd.record_created(
            session,
            check_id,
            vendor_candidate_id=vendor_candidate,
            reference=report.reference,
            items=report.items,
            now=datetime.now(UTC),
        )
    log.info("background check created", extra={"ctx": {"check_id": check_id}})
    deliver_outbox_event(outbox_id)
    return "created"


def refresh_check(check_id: str) -> str:
    """Read the check's report from the vendor and settle what it says."""
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        reference = vd.reference_of(session, check_id)
    if reference is None:
        return "skipped"
    client = BgcheckClient.from_settings(runtime.settings)
    try:
        report = client.get_report(reference)
    finally:
        client.close()
    with runtime.session_factory() as session:
        check = vd.apply_report(
            session, check_id, status=report.status, items=report.items, now=datetime.now(UTC)
        )
    return check.status if check is not None else "skipped"


def refresh_on_webhook(outbox_id: int) -> str:
    """A verified vendor webhook's row: read the report again."""
    state = refresh_check(str(_payload(outbox_id).get("check_id") or ""))
    deliver_outbox_event(outbox_id)
    return state


def _ehr_step(outbox_id: int) -> tuple[str, dict[str, Any], str] | None:
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        payload = dict(row.payload or {}) if row is not None else {}
        check = session.get(BackgroundCheck, str(payload.get("check_id") or ""))
        if row is None or check is None or not payload.get("step"):
            return None
        step = {
            **payload["step"],
            "vendor": check.vendor,
            "vendor_reference": check.vendor_reference,
            "consent_at": check.consent_at.isoformat() if check.consent_at else None,
            "actor_id": payload.get("actor") or "system",
        }
        return check.application_id, step, row.dedupe_key


def write_back_step(outbox_id: int) -> str:
    """Write one step of the check to the EHR (once: the key is the step's), then the cards."""
    runtime = context.current().runtime
    found, state = _ehr_step(outbox_id), "skipped"
    if found is not None:
        application_id, step, key = found
        state = write_to_ehr(
            runtime.settings,
            lambda ehr: ehr.post_background_check(application_id, step=step, idempotency_key=key),
        )
        log.info("background check write-back %s", state, extra={"ctx": {"outbox_id": outbox_id}})
    deliver_outbox_event(outbox_id)
    return state


def sweep_checks_job() -> dict[str, int]:
    """Periodic: read the reports of checks the vendor's webhooks have not settled (polling)."""
    runtime = context.current().runtime
    if runtime.settings.BGCHECK_VENDOR == "none":
        return {"skipped": 1}
    lock = runtime.redis.lock(redis_keys.clock_lock("bgcheck"), timeout=LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        return {"skipped": 1}
    counts = {"polled": 0, "failed": 0}
    try:
        with runtime.session_factory() as session:
            due = vd.due_for_poll(session, now=datetime.now(UTC))
        for check_id in due:
            try:
                refresh_check(check_id)
                counts["polled"] += 1
            except (BgcheckError, BgcheckTransientError):
                counts["failed"] += 1
                log.warning("background check poll failed", extra={"ctx": {"check_id": check_id}})
    finally:
        with contextlib.suppress(LockError):
            lock.release()
    return counts
