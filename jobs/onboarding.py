"""The onboarding notice's job: write the notice that was sent to the EHR (`POST
/applications/{id}/onboarding`, once: the idempotency key is the notice's), then deliver the
candidate's 入职通知 and update HR's cards (jobs/dispatch.py routes the row here)."""

from __future__ import annotations

import logging
from typing import Any

from jobs import context
from jobs.ehr_write import write_to_ehr
from jobs.notify import deliver_outbox_event
from services.onboarding.notice import preentry_request, record_preentry
from storage.bgcheck_models import OnboardingNotice
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)


def _notice_body(outbox_id: int) -> tuple[str, dict[str, Any], str] | None:
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        notice_id = str((row.payload or {}).get("notice_id") or "") if row else ""
        notice = session.get(OnboardingNotice, notice_id) if notice_id else None
        if row is None or notice is None or notice.join_date is None:
            return None
        body = {
            "join_date": notice.join_date.isoformat(),
            "location": notice.location,
            "materials": [dict(m) for m in notice.materials or []],
            "training_plan": [dict(p) for p in notice.training_plan or []],
            "actor_staff_id": notice.confirmed_by,
        }
        return notice.application_id, body, row.dedupe_key


def write_back_notice(outbox_id: int) -> str:
    """Write the sent notice to the EHR, then deliver the row's cards."""
    runtime = context.current().runtime
    found, state = _notice_body(outbox_id), "skipped"
    if found is not None:
        application_id, body, key = found
        state = write_to_ehr(
            runtime.settings,
            lambda ehr: ehr.post_onboarding(application_id, notice=body, idempotency_key=key),
        )
        log.info("onboarding write-back %s", state, extra={"ctx": {"outbox_id": outbox_id}})
    if found is not None and runtime.settings.DINGTALK_PREENTRY:
        create_preentry(str(_payload_notice(outbox_id)))
    deliver_outbox_event(outbox_id)
    return state


def _payload_notice(outbox_id: int) -> str:
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        return str((row.payload or {}).get("notice_id") or "") if row is not None else ""


def create_preentry(notice_id: str) -> str:
    """DingTalk's pre-entry record (待入职) for the notice's candidate, once."""
    worker = context.current()
    with worker.runtime.session_factory() as session:
        request = preentry_request(session, notice_id)
    if request is None:
        return "skipped"
    tmp_user_id = worker.dingtalk.add_preentry(
        name=request.name, mobile=request.mobile, pre_entry_ms=request.pre_entry_ms
    )
    with worker.runtime.session_factory() as session:
        record_preentry(session, notice_id, tmp_user_id)
    log.info("pre-entry record created", extra={"ctx": {"notice_id": notice_id}})
    return "created"
