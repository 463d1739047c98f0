"""Bot jobs handed off by the listener (and the HTTP event route): answer a chat message, apply
an org event. They take plain dicts/strings, open a session, call one service, and do the IO.

Replies go to the message's sessionWebhook with plain HTTP and a timeout (the SDK's reply
helpers swallow errors), falling back to a robot one-to-one message once the webhook expired or
when it does not point at DingTalk's oapi host.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import requests

from clients.dingtalk import DingTalkError, DingTalkUserNotFound
from jobs import context
from services.chat import commands as bot_commands
from services.chat.commands import BotPolicy, Reply
from storage import redis_keys

log = logging.getLogger(__name__)
DONE_TTL_SECONDS = 7 * 24 * 3600


class ReplyFailed(RuntimeError):
    """The reply could not be sent; RQ retries the job."""


def _policy() -> BotPolicy:
    settings = context.current().runtime.settings
    return BotPolicy(
        miniapp_url=settings.MINIAPP_URL,
        score_parts=frozenset(
            p.strip() for p in settings.CANDIDATE_SCORE_VISIBILITY.split(",") if p.strip()
        ),
        max_chars=settings.BOT_MESSAGE_MAX_CHARS,
        score_notify_default=settings.HR_SCORE_NOTIFY,
    )


def _webhook_usable(message: dict[str, Any]) -> bool:
    settings = context.current().runtime.settings
    url = str(message.get("session_webhook") or "")
    expires_ms = int(message.get("session_webhook_expires") or 0)
    allowed = settings.DINGTALK_OAPI_BASE.rstrip("/") + "/robot/sendBySession?"
    return url.startswith(allowed) and expires_ms > (time.time() + 5) * 1000


def _send(message: dict[str, Any], reply: Reply) -> str:
    ctx = context.current()
    if _webhook_usable(message):
        body = {"msgtype": "markdown", "markdown": {"title": reply.title, "text": reply.markdown}}
        try:
            response = requests.post(
                str(message["session_webhook"]),
                json=body,
                timeout=ctx.runtime.settings.DINGTALK_TIMEOUT_SECONDS,
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ReplyFailed(f"session webhook: {type(exc).__name__}") from exc
        if response.status_code == 200 and answer.get("errcode") == 0:
            return "session_webhook"
        log.info("session webhook refused, using a robot message", extra={"ctx": answer})
    user_id = str(message.get("sender_user_id") or "")
    if not user_id:
        return "no_recipient"
    params = {"title": reply.title, "text": reply.markdown}
    try:
        ctx.dingtalk.send_robot_message([user_id], "sampleMarkdown", params)
    except DingTalkError as exc:
        if exc.retryable:
            raise
        log.warning("robot reply failed", extra={"ctx": {"code": exc.code}})
        return "failed"
    return "robot"


def answer_bot_message(message: dict[str, Any]) -> str:
    """Answer one chat message (a dict made by bot/inbound.py); return how it was sent."""
    ctx = context.current()
    msg_id = str(message.get("msg_id") or "")
    done_key = redis_keys.bot_job_done("message", msg_id)
    if ctx.runtime.redis.exists(done_key):
        return "duplicate"
    with ctx.runtime.session_factory() as session:
        reply = bot_commands.answer_message(
            session,
            user_id=message.get("sender_user_id"),
            text=str(message.get("text") or ""),
            policy=_policy(),
            now=datetime.now(UTC),
        )
    how = _send(message, reply)
    ctx.runtime.redis.set(done_key, how, ex=DONE_TTL_SECONDS)
    log.info("bot message answered", extra={"ctx": {"msg_id": msg_id[:64], "via": how}})
    return how


def apply_org_event(event_type: str, event_id: str, user_ids: list[str]) -> int:
    """Link users who joined the org to candidates (by mobile); unlink users who left and end
    their mini-app sessions."""
    ctx = context.current()
    changed = 0
    now = datetime.now(UTC)
    for user_id in user_ids[:100]:
        if event_type == "user_leave_org":
            with ctx.runtime.session_factory() as session:
                changed += bot_commands.unlink_org_user(session, user_id, now=now)
            continue
        try:
            mobile = ctx.dingtalk.get_user(user_id).mobile
        except DingTalkUserNotFound:
            continue
        with ctx.runtime.session_factory() as session:
            changed += bot_commands.link_org_user(session, user_id, mobile, now=now)
    log.info(
        "org event applied",
        extra={"ctx": {"event_id": event_id[:64], "type": event_type, "changed": changed}},
    )
    return changed
