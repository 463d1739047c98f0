"""Chat messages and org events, transport-neutral: validate, dedupe, hand off to a job.

Stream frames and encrypted HTTP events end here (org events, and the offer's DingTalk OA
approvals). Nothing in this path calls DingTalk or the
EHR: the work is a job (jobs/bot.py), handed off atomically with the dedupe marker.
"""

from __future__ import annotations

from typing import Any

from bot.handoff import hand_off
from storage.runtime import Runtime
from storage.safe_input import ascii_int, problem_of

BOT_MESSAGE_JOB = "jobs.bot.answer_bot_message"
ORG_EVENT_JOB = "jobs.bot.apply_org_event"
ORG_EVENTS = ("user_add_org", "user_leave_org")
# A DingTalk OA approval changed (the offer's approval, OFFER_APPROVAL_PROCESS_CODE): the job
# reads the instance itself, so the event only has to name it.
APPROVAL_EVENT = "bpms_instance_change"
APPROVAL_JOB = "jobs.offer_approvals.apply_approval_instance"
APPROVAL_DONE = ("finish", "terminate")
IGNORED = "ignored"
MAX_USERS = 100


def _text(data: dict[str, Any], max_chars: int) -> str:
    text = data.get("text")
    if data.get("msgtype") == "text" and isinstance(text, dict):
        return str(text.get("content") or "")[:max_chars]
    return ""


def accept_bot_message(runtime: Runtime, data: Any) -> str:
    """Hand a robot message (protocol 2.1) to the reply job once per msgId."""
    if not isinstance(data, dict) or not data.get("msgId") or problem_of(data) is not None:
        return IGNORED  # what the database cannot store (NUL) is not a message to answer
    settings = runtime.settings
    expires = str(data.get("sessionWebhookExpiredTime") or "")
    msg_id = str(data["msgId"])[:200]
    message: dict[str, str | int | None] = {
        "msg_id": msg_id,
        "sender_user_id": str(data.get("senderStaffId") or "")[:64] or None,
        "text": _text(data, settings.BOT_MESSAGE_MAX_CHARS),
        "session_webhook": str(data.get("sessionWebhook") or "")[:500],
        "session_webhook_expires": ascii_int(expires) or 0,
    }
    return hand_off(
        runtime.redis,
        kind="message",
        message_id=msg_id,
        job=BOT_MESSAGE_JOB,
        args=(message,),
        ttl_seconds=settings.BOT_DEDUPE_TTL_SECONDS,
    )


def _user_ids(data: dict[str, Any]) -> list[str]:
    raw = data.get("userId", data.get("UserId"))
    values = raw if isinstance(raw, list) else [raw] if raw else []
    return [str(v)[:64] for v in values if isinstance(v, str | int)][:MAX_USERS]


def _approval_instance(runtime: Runtime, data: dict[str, Any]) -> str | None:
    """The OA instance a `bpms_instance_change` names, when it is the offer's process and done."""
    process_code = runtime.settings.OFFER_APPROVAL_PROCESS_CODE
    instance_id = data.get("processInstanceId")
    if not process_code or not isinstance(instance_id, str) or not instance_id:
        return None
    if data.get("processCode") not in (None, process_code):
        return None  # another approval of the company (leave, expenses): not ours
    return instance_id[:64] if data.get("type") in APPROVAL_DONE else None


def accept_event(runtime: Runtime, *, event_type: str, event_id: str, data: Any) -> str:
    """Hand an org event (or an offer's OA approval) to its job once per event id; other event
    types are acknowledged."""
    if event_type == APPROVAL_EVENT and event_id and isinstance(data, dict):
        instance_id = _approval_instance(runtime, data)
        if instance_id is None or problem_of([event_id, instance_id]) is not None:
            return IGNORED
        return hand_off(
            runtime.redis,
            kind="event",
            message_id=event_id,
            job=APPROVAL_JOB,
            args=(instance_id,),
            ttl_seconds=runtime.settings.BOT_DEDUPE_TTL_SECONDS,
        )
    if event_type not in ORG_EVENTS or not event_id or not isinstance(data, dict):
        return IGNORED
    if problem_of([event_id, data]) is not None:
        return IGNORED  # user ids holding NUL name nobody; the job would fail on them
    return hand_off(
        runtime.redis,
        kind="event",
        message_id=event_id,
        job=ORG_EVENT_JOB,
        args=(event_type, event_id[:200], _user_ids(data)),
        ttl_seconds=runtime.settings.BOT_DEDUPE_TTL_SECONDS,
    )
