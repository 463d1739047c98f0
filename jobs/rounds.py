"""A round's DingTalk calendar event, then its cards: one job per outbox row of a kind the
catalogue marks `calendar` (a round scheduled, moved or cancelled); jobs/dispatch.py routes them.

The cards go out even when DingTalk's calendar fails (the candidate must hear of the round);
the calendar failure is raised afterwards so that RQ's Retry runs the job again, and the
retry neither repeats the cards (their dedupe keys) nor makes a second event (the calendar
call's idempotency key and the recorded event id).
"""

from __future__ import annotations

import logging

from clients.dingtalk.errors import DingTalkError
from jobs import context
from jobs.notify import deliver_outbox_event
from services.rounds.calendar_sync import sync_round_calendar
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)


def sync_round_event(outbox_id: int) -> int:
    """Make the round's calendar event match it, deliver the row's cards; return cards sent."""
    ctx = context.current()
    with ctx.runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        payload = (row.payload or {}) if row is not None else {}
        interview_id = str(payload.get("interview_id") or (row.entity_id if row else "") or "")
    failure: DingTalkError | None = None
    if interview_id:
        try:
            done = sync_round_calendar(
                ctx.runtime.session_factory, ctx.dingtalk.calendar, interview_id
            )
            log.info("round calendar %s", done, extra={"ctx": {"interview_id": interview_id}})
        except DingTalkError as exc:
            failure = exc
    sent = deliver_outbox_event(outbox_id)
    if failure is not None:
        raise failure
    return sent
