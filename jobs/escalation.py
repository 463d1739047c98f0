"""Climb the escalation ladder for unread candidate messages (services/escalation/): ask
DingTalk whether the DINGs sent were read, then send each rung that is due, once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime
from typing import TypeVar

from clients.dingtalk import DingTalkError
from clients.dingtalk.reach import TodoSpec
from jobs import context
from services.escalation.ladder import (
    Rung,
    claim_rung,
    ding_text,
    dings_to_check,
    due_rungs,
    ladder_rules_from_settings,
    notices_to_check,
    todo_texts,
)
from services.escalation.reads import record_read
from services.notify import deliveries

log = logging.getLogger(__name__)
T = TypeVar("T")


def _send(rung: Rung) -> str:
    client = context.current().dingtalk
    if rung.step == "todo":
        subject, description = todo_texts(rung)
        return client.create_todo(rung.user_id, TodoSpec(subject, description, rung.url))
    return client.send_ding(rung.user_id, ding_text(rung), sms=rung.step == "sms")


def _mark_read(
    now: datetime, pending: list[tuple[str, str, T]], readers_of: Callable[[T], Collection[str]]
) -> int:
    """Ask DingTalk who read each (message, user, handle); a reader's message counts as read."""
    runtime = context.current().runtime
    read = 0
    for track, user_id, handle in pending:
        try:
            readers = readers_of(handle)
        except DingTalkError:
            continue  # asked again at the next sweep
        if user_id in readers:
            read += 1
            with runtime.session_factory() as session:
                record_read(session, track, user_id, now=now)
    return read


def _check_reads(now: datetime) -> int:
    """A message is read when DingTalk says so: a work notification has a read status of its
    own (interactive cards have none; a click counts there), and so has each DING sent."""
    runtime, client = context.current().runtime, context.current().dingtalk
    with runtime.session_factory() as session:
        notices = notices_to_check(session, now=now)
        dings = dings_to_check(session, now=now)
    read = _mark_read(now, notices, lambda task: client.work_notice_result(task).read_user_ids)
    return read + _mark_read(now, dings, client.ding_read_by)


def escalate_unread(now: datetime | None = None) -> list[str]:
    """Send the rungs due now; return what was done (step and outcome per rung)."""
    runtime = context.current().runtime
    at = now or datetime.now(UTC)
    _check_reads(at)
    with runtime.session_factory() as session:
        rungs = due_rungs(session, ladder_rules_from_settings(runtime.settings), now=at)
    done = []
    for rung in rungs:
        with runtime.session_factory() as session:
            delivery_id = claim_rung(session, rung, now=at)
        if delivery_id is None:
            continue
        try:
            external = _send(rung)
        except DingTalkError as exc:
            log.warning("escalation rung failed", extra={"ctx": {"delivery": delivery_id}})
            with runtime.session_factory() as session:
                deliveries.record_outcome(
                    session, delivery_id, "failed", error=f"{type(exc).__name__} {exc.code or ''}"
                )
            done.append(f"{rung.step} failed")
            continue
        with runtime.session_factory() as session:
            deliveries.record_outcome(session, delivery_id, "sent", external_id=external or None)
        done.append(f"{rung.step} sent")
    return done


def escalate_unread_job() -> int:
    """Periodic (every 5 minutes): the escalation ladder."""
    return len(escalate_unread())
