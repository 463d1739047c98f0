"""Write an interviewer's feedback from a card back to the EHR, right after the click.

A card click answers from the database only (DingTalk waits 2 s) and records the submission as
a pending OUTBOX_FEEDBACK_SUBMITTED row; jobs/dispatch.py routes that row here after the
commit. The EHR call carries the submission's idempotency key, so a retried job is harmless; a
transient failure raises for RQ's Retry, and the outbox sweep re-dispatches a row whose job
vanished. Feedback given in the mini-app is written back in the request and its row is already
done: the job finds nothing to do.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from clients.ehr import EhrClient, EhrError, EhrTransientError
from jobs import context
from services.interviewers.actions import finish_card_feedback, pending_card_feedback
from services.interviewers.feedback import record_feedback_answer

log = logging.getLogger(__name__)


def write_back_feedback(outbox_id: int) -> str:
    """Send one card submission to the EHR and apply its answer; return what happened."""
    runtime = context.current().runtime
    with runtime.session_factory() as session:
        item = pending_card_feedback(session, outbox_id)
    if item is None:
        return "skipped"
    call = item.call
    ehr = EhrClient.from_settings(runtime.settings)
    try:
        entity = ehr.submit_feedback(
            call.interview_id,
            staff_id=call.staff_id,
            result=call.result,
            ratings=call.ratings,
            comment=call.comment,
            idempotency_key=call.idempotency_key,
        )
    except EhrTransientError:
        raise  # RQ's Retry runs the job again with back-off
    except EhrError as exc:
        with runtime.session_factory() as session:
            finish_card_feedback(session, outbox_id, state="failed", error=type(exc).__name__)
        log.warning("feedback write-back refused", extra={"ctx": {"outbox_id": outbox_id}})
        return "failed"
    finally:
        ehr.close()
    with runtime.session_factory() as session:
        record_feedback_answer(
            session, call, entity, now=datetime.now(UTC), via="card", outbox_id=outbox_id
        )
    return "written"
