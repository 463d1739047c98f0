"""The offer's approval as a DingTalk OA approval (`OFFER_APPROVAL_PROCESS_CODE` set).

* `request_approval` (the `offer.approval_requested` outbox row): start the OA instance
  (StartProcessInstance; the HR who asked to send is the originator), keep its id, then deliver
  the row's cards (HR's card says it waits; the managers get none). Without the setting, or when
  DingTalk refuses the start (unknown process, HR without a DingTalk account), the managers'
  cards go out as before and the history says why. A transient failure raises for RQ's Retry.
* `apply_approval_instance` (DingTalk's `bpms_instance_change` event, handed off by bot/, and
  the offer sweep's polling): read the instance (GetProcessInstance: the event only names it)
  and answer the offer's approval through the service the cards use; first answer wins.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from clients.dingtalk import (
    ApprovalSpec,
    DingTalkError,
    DingTalkRateLimited,
    DingTalkTransient,
    DingTalkUserNotFound,
)
from jobs import context
from jobs.notify import deliver_outbox_event
from services.errors import NotFound
from services.offers.oa_approval import (
    OaRequest,
    answer_from_oa,
    oa_request,
    pending_instances,
    record_route,
)
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)
ROOT_DEPT = 1  # DingTalk's root department: the originator's when they belong to none


def _start(request: OaRequest, process_code: str) -> tuple[str | None, str | None]:
    """(instance id, None) or (None, why the cards go out instead)."""
    if not request.originator_user_id:
        return None, "the HR who asked to send has no DingTalk account"
    dingtalk = context.current().dingtalk
    try:
        depts = dingtalk.get_user(request.originator_user_id).dept_ids
        spec = ApprovalSpec(
            process_code=process_code,
            originator_user_id=request.originator_user_id,
            dept_id=depts[0] if depts else ROOT_DEPT,
            form=request.form,
        )
        return dingtalk.start_approval(spec) or None, None
    except (DingTalkTransient, DingTalkRateLimited):
        raise  # RQ's Retry runs the job again with back-off
    except DingTalkUserNotFound:
        return None, "the HR who asked to send is not in the DingTalk organisation"
    except DingTalkError as exc:
        return None, f"DingTalk refused the approval: {type(exc).__name__}"


def request_approval(outbox_id: int) -> int:
    """Start the OA approval when configured, then deliver the row's cards."""
    runtime = context.current().runtime
    process_code = runtime.settings.OFFER_APPROVAL_PROCESS_CODE
    with runtime.session_factory() as session:
        row = session.get(OutboxEvent, outbox_id)
        payload = (row.payload or {}) if row is not None else {}
        offer_id, asked = (
            str(payload.get("offer_id") or ""),
            int(payload.get("approval_round") or 0),
        )
        request = oa_request(session, offer_id, asked) if process_code and offer_id else None
    if request is not None and process_code:
        instance_id, reason = _start(request, process_code)
        with runtime.session_factory() as session:
            kept = record_route(
                session,
                offer_id,
                asked,
                instance_id=instance_id,
                now=datetime.now(UTC),
                reason=reason,
            )
        outcome = "started" if instance_id else "cards"
        if instance_id and not kept:
            outcome = "orphaned"  # HR changed the offer meanwhile: its result will not count
        log.info("offer approval %s", outcome, extra={"ctx": {"offer_id": offer_id}})
    return deliver_outbox_event(outbox_id)


def apply_approval_instance(instance_id: str) -> str:
    """Answer the offer's approval from its OA instance when it has finished."""
    ctx = context.current()
    instance = ctx.dingtalk.approval_instance(instance_id)
    with ctx.runtime.session_factory() as session:
        try:
            answer = answer_from_oa(
                session,
                instance_id,
                status=instance.status,
                result=instance.result,
                approver_user_id=instance.decided_by,
                remark=instance.remark,
                now=datetime.now(UTC),
            )
        except NotFound:
            answer, outcome = None, "stale"
        else:
            outcome = answer.outcome if answer is not None else "running"
    log.info("offer approval instance %s", outcome, extra={"ctx": {"instance": instance_id[:64]}})
    return outcome


def poll_approvals() -> dict[str, int]:
    """The offer sweep's fallback for lost events: read every waiting OA instance."""
    runtime = context.current().runtime
    if not runtime.settings.OFFER_APPROVAL_PROCESS_CODE:
        return {}
    with runtime.session_factory() as session:
        instances = pending_instances(session)
    counts: dict[str, int] = {}
    for instance_id in instances:
        try:
            outcome = apply_approval_instance(instance_id)
        except DingTalkError as exc:
            outcome = "poll_failed"
            log.warning("approval poll failed: %s", type(exc).__name__)
        counts[f"approval_{outcome}"] = counts.get(f"approval_{outcome}", 0) + 1
    return counts
