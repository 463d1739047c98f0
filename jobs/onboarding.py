"""The onboarding notice's job: write the notice that was sent to the EHR (`POST
/applications/{id}/onboarding`, once: the idempotency key is the notice's), then deliver the
candidate's 入职通知 and update HR's cards (jobs/dispatch.py routes the row here)."""

from __future__ import annotations

import logging
from typing import Any

from clients.ehr import EhrClient, EhrConflict, EhrError, EhrTransientError
from jobs import context
from jobs.notify import deliver_outbox_event
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
        ehr = EhrClient.from_settings(runtime.settings)
        try:
            ehr.post_onboarding(application_id, notice=body, idempotency_key=key)
            state = "written"
        except EhrTransientError:
            raise
        except EhrConflict:
            state = "conflict"
        except EhrError as exc:
            state = f"failed {type(exc).__name__}"
        finally:
            ehr.close()
        log.info("onboarding write-back %s", state, extra={"ctx": {"outbox_id": outbox_id}})
    deliver_outbox_event(outbox_id)
    return state
