"""Delivery jobs: plan the deliveries of an outbox event, send each, record what happened."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

from cards.links import escape_markdown, safe_url
from clients.dingtalk import (
    CardDelivery,
    DingTalkBadRequest,
    DingTalkClient,
    DingTalkError,
    DingTalkRateLimited,
    DingTalkUserNotFound,
)
from jobs import context
from jobs.dispatch import sweep_outbox
from services.notify import deliveries
from services.notify import planning as notifications
from services.notify.deliveries import DeliveryWork
from services.notify.policy import NotifyPolicy
from storage.runtime import Runtime

log = logging.getLogger(__name__)


class DeliveryIncomplete(RuntimeError):
    """Some deliveries hit a retryable error; RQ retries the job (sent ones are skipped)."""


def deliver_outbox_event(outbox_id: int) -> int:
    """Send every card an outbox event calls for; return how many went out."""
    ctx = context.current()
    with ctx.runtime.session_factory() as session:
        delivery_ids = notifications.plan_deliveries(session, outbox_id, policy=ctx.notify_policy)
    sent, retryable = 0, []
    for delivery_id in delivery_ids:
        try:
            sent += send_delivery(ctx.runtime, ctx.dingtalk, ctx.notify_policy, delivery_id)
        except DingTalkError as exc:
            retryable.append(f"{delivery_id}: {type(exc).__name__} {exc.code or ''}".strip())
    with ctx.runtime.session_factory() as session:
        error = "; ".join(retryable) or None
        notifications.finish_outbox_event(session, outbox_id, error=error)
    if retryable:
        raise DeliveryIncomplete(error)
    # A score may have opened or changed an HR digest: its first card goes out now rather than
    # at the next tick of the digest sweep (later updates wait for the push interval).
    from jobs.digests import push_due_digests

    return sent + push_due_digests()


def sweep_outbox_job() -> int:
    """Periodic: re-dispatch outbox rows whose job was lost."""
    ctx = context.current()
    with ctx.runtime.session_factory() as session:
        return len(sweep_outbox(session, ctx.runtime.redis, now=datetime.now(UTC)))


def _resolve_user(runtime: Runtime, client: DingTalkClient, work: DeliveryWork) -> str | None:
    if work.user_id or work.recipient_kind != "candidate" or not work.candidate_mobile:
        return work.user_id
    try:
        user_id = client.user_id_by_mobile(work.candidate_mobile)
    except DingTalkUserNotFound:
        return None
    with runtime.session_factory() as session:
        deliveries.link_candidate_user(
            session, work.recipient_id, user_id, now=datetime.now(UTC), how="dingtalk mobile lookup"
        )
    return user_id


def _work_notice(work: DeliveryWork, policy: NotifyPolicy) -> dict[str, object]:
    # Names and titles come from the EHR: escaped, like every builder's markdown (cards/links.py).
    lines = [f"### {work.title}"] + [
        f"- {escape_markdown(value) if key in ('candidate_name', 'position') else value}"
        for key, value in work.card.data.items()
        if value and key in ("candidate_name", "position", "overall", "deadline", "next_step")
    ]
    return {
        "msgtype": "action_card",
        "action_card": {
            "title": work.title,
            "markdown": "\n".join(lines),
            "single_title": "查看详情" if policy.language == "zh" else "Open",
            "single_url": safe_url(policy.miniapp_url, allow_http=policy.allow_http_links),
        },
    }


def _send_card(
    client: DingTalkClient,
    work: DeliveryWork,
    user_id: str,
    template_id: str,
    route_key: str | None = None,
) -> bool:
    """Create or update the card; False when DingTalk could not put it in the user's chat.

    With a callback route key the card's clicks come as signed HTTP callbacks (protocol 6.3)
    instead of over the Stream connection.
    """
    if work.operation == "update":
        client.update_card(work.out_track_id, work.card.data)
        return True
    result = client.create_and_deliver_card(
        CardDelivery(
            out_track_id=work.out_track_id,
            template_id=template_id,
            user_id=user_id,
            card_data=work.card.data,
            callback_type="HTTP" if route_key else "STREAM",
            callback_route_key=route_key,
        )
    )
    spaces = (result.get("result") or {}).get("deliverResults") or []
    return all(space.get("success", True) for space in spaces)


def send_delivery(
    runtime: Runtime, client: DingTalkClient, policy: NotifyPolicy, delivery_id: int
) -> int:
    """Send one delivery; permanent failures are recorded, retryable ones raised."""
    with runtime.session_factory() as session:
        work = deliveries.build_delivery(session, delivery_id, policy=policy)
    if work is None:
        return 0
    user_id = _resolve_user(runtime, client, work)
    record = _recorder(runtime, delivery_id)
    if user_id is None:
        record("undeliverable", error="no DingTalk user for this person (id or mobile)")
        return 0
    with runtime.session_factory() as session:
        deliveries.record_attempt(session, delivery_id)
    try:
        if work.channel == "card":
            template_id = runtime.settings.DINGTALK_CARD_TEMPLATES.get(work.template, work.template)
            settings = runtime.settings
            http_mode = settings.DINGTALK_CARD_CALLBACK_TYPE == "HTTP"
            route_key = settings.DINGTALK_CARD_CALLBACK_ROUTE_KEY if http_mode else None
            if _try_card(client, work, user_id, template_id, route_key):
                record("sent", user_id=user_id)
                return 1
            if work.operation == "update":
                record("failed", error="card update rejected")
                return 0
        return _send_notice(client, work, user_id, policy, record)
    except DingTalkRateLimited as exc:
        record("throttled", error=f"{exc.code}")
        raise
    except DingTalkBadRequest as exc:
        record("failed", error=f"{type(exc).__name__} {exc.code}")
        return 0
    except DingTalkError as exc:
        record("failed", error=f"{type(exc).__name__} {exc.code or ''}".strip())
        raise


def _try_card(
    client: DingTalkClient,
    work: DeliveryWork,
    user_id: str,
    template_id: str,
    route_key: str | None,
) -> bool:
    """The card, or False when it cannot reach the user (then the work notice is the fallback)."""
    try:
        return _send_card(client, work, user_id, template_id, route_key)
    except DingTalkBadRequest as exc:
        log.info(
            "card not deliverable, falling back to a work notice",
            extra={"ctx": {"delivery": work.delivery_id, "code": exc.code}},
        )
        return False


def _send_notice(
    client: DingTalkClient, work: DeliveryWork, user_id: str, policy: NotifyPolicy, record: Recorder
) -> int:
    """Send a work notification and check DingTalk's silent per-user limits in its result."""
    task_id = client.send_work_notice([user_id], _work_notice(work, policy))
    result = client.work_notice_result(task_id)
    if user_id in result.forbidden:
        # 143105: the user's daily cap; 143106: the same content today. DingTalk said "ok".
        record(
            "failed",
            user_id=user_id,
            channel="work_notice",
            external_id=str(task_id),
            error=f"work notice dropped by DingTalk: {result.forbidden[user_id]}",
        )
        return 0
    record("sent", user_id=user_id, channel="work_notice", external_id=str(task_id))
    return 1


class Recorder(Protocol):
    def __call__(self, state: str, **fields: str | None) -> None: ...


def _recorder(runtime: Runtime, delivery_id: int) -> Recorder:
    def record(state: str, **fields: str | None) -> None:
        with runtime.session_factory() as session:
            deliveries.record_outcome(session, delivery_id, state, **fields)

    return record
