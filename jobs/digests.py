"""HR's score digests: push the digest cards that are due, and carry out a confirmed bulk
decision. Thin: services/digests/ decides; these call DingTalk through the delivery job code."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from clients.dingtalk import DingTalkError
from jobs import context
from jobs.notify import send_delivery
from services.digests.bulk import run_bulk
from services.digests.push import claim_push, due_digest_ids, push_again_later, push_now
from services.notify import planning
from storage.attention_models import ScoreDigest
from storage.db import unit_of_work
from storage.sync_models import OutboxEvent

log = logging.getLogger(__name__)


def push_due_digests(now: datetime | None = None) -> int:
    """Send every digest push that is due; return how many cards went out."""
    ctx = context.current()
    runtime, at = ctx.runtime, now or datetime.now(UTC)
    sent = 0
    with runtime.session_factory() as session:
        due = due_digest_ids(session, now=at)
    for digest_id in due:
        with runtime.session_factory() as session:
            delivery_id = claim_push(session, digest_id, now=at, policy=ctx.notify_policy)
        if delivery_id is None:
            continue
        try:
            sent += send_delivery(runtime, ctx.dingtalk, ctx.notify_policy, delivery_id)
        except DingTalkError as exc:
            log.info(
                "digest push postponed",
                extra={"ctx": {"digest": digest_id, "error": type(exc).__name__}},
            )
            with runtime.session_factory() as session:
                push_again_later(session, digest_id, now=at)
    return sent


def push_due_digests_job() -> int:
    """Periodic: the digest cards whose push is due (a window opening, a debounced update)."""
    return push_due_digests()


def run_bulk_decision(outbox_id: int) -> str:
    """Record the N decisions of a confirmed bulk, then update the digest card with the result."""
    runtime = context.current().runtime
    now = datetime.now(UTC)
    with runtime.session_factory() as session:
        event = session.get(OutboxEvent, outbox_id)
        bulk_id = int((event.payload or {}).get("bulk_id") or 0) if event else 0
        digest_id = int((event.payload or {}).get("digest_id") or 0) if event else 0
        session.rollback()
        bulk = run_bulk(session, bulk_id, now=now) if bulk_id else None
        if digest_id:
            with unit_of_work(session):
                digest = session.get(ScoreDigest, digest_id)
                if digest is not None:
                    push_now(session, digest, now=now)
        planning.finish_outbox_event(session, outbox_id)
    push_due_digests(now)
    return bulk.state if bulk is not None else "skipped"
