"""What needs an operator's attention, in one place, and the actions that clear it.

`gather_status` answers the morning question for `flask --app wsgi ops status` (web/cli_ops.py)
and the admin page's API (miniapp_api/routes_ops.py); the actions call the existing services,
so the page and the command do exactly what `ehr dead-letters replay` and `ehr held --retry` do.
Services import no RQ: the caller hands in an `OpsProbe` (jobs/ops_queues.py reads RQ's
registries and the token cache in Redis).

Everything is reported by id: a dead letter's raw event and a person's mobile never leave the
database through this module.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from config import Settings
from services.access.visibility import Viewer
from services.ehr import admin as ehr_admin
from services.ehr.pull import FEED_CURSOR
from services.ehr.sync import list_overdue_held_events, retry_held_events
from services.errors import Forbidden
from services.ops.metrics import WAITING_OUTBOX_STATES
from storage.action_models import DELIVERY_STATES, Delivery
from storage.ehr_log import get_cursor
from storage.models import Staff
from storage.sync_models import IS_HELD, DeadLetter, EhrEvent, OutboxEvent

# A delivery that will not reach its person without an operator: no DingTalk user to send to,
# or DingTalk refused it for good (transient failures are `throttled` and retried).
PROBLEM_DELIVERY_STATES = tuple(s for s in DELIVERY_STATES if s in ("failed", "undeliverable"))
# The sweep re-dispatches a lost job after 60 s: a row still waiting after 5 minutes is stuck.
OUTBOX_STALE_SECONDS = 300
# The pull runs every EHR_PULL_INTERVAL_SECONDS; three missed runs in a row is not a blip.
CURSOR_STALE_INTERVALS = 3
LIST_LIMIT = 50


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    func: str | None
    error: str | None  # the exception's type only: its message may quote data
    failed_at: datetime | None


@dataclass(frozen=True)
class QueueState:
    name: str
    depth: int
    failed: int
    failed_jobs: list[FailedJob]


@dataclass(frozen=True)
class TokenState:
    cached: bool
    expires_in_seconds: int | None


class OpsProbe(Protocol):
    """What lives in Redis rather than the database (jobs/ops_queues.py over RQ)."""

    def queues(self) -> list[QueueState]: ...

    def requeue_failed(self, queue_name: str, job_ids: Sequence[str] | None) -> list[str]: ...

    def token(self) -> TokenState: ...

    def outbox_kinds(self) -> Collection[str]:
        """The outbox kinds a job consumes (the others stay pending as a record)."""
        ...


@dataclass(frozen=True)
class DeadLetterItem:
    id: int
    event_id: str | None
    source: str
    reason: str
    received_at: datetime
    replay_result: str | None


@dataclass(frozen=True)
class HeldItem:
    event_id: str
    entity_kind: str
    entity_id: str
    waiting_for: str
    received_at: datetime
    overdue: bool


@dataclass(frozen=True)
class UndeliverableItem:
    """Why a notification did not reach whom: ids only (the person's row holds the rest)."""

    id: int
    purpose: str
    state: str
    channel: str
    recipient_kind: str
    recipient_id: str
    reason: str | None
    attempts: int
    outbox_id: int | None
    updated_at: datetime


@dataclass(frozen=True)
class CursorState:
    name: str
    updated_at: datetime | None
    age_seconds: int | None
    last_run_status: str | None
    stale: bool


@dataclass(frozen=True)
class OutboxBacklog:
    waiting: int
    oldest_id: int | None
    oldest_created_at: datetime | None
    oldest_age_seconds: int | None
    stale: bool


@dataclass(frozen=True)
class OpsStatus:
    generated_at: datetime
    attention: list[str]
    queues: list[QueueState]
    dead_letters_total: int
    dead_letters: list[DeadLetterItem]
    held_total: int
    held: list[HeldItem]
    undeliverable_total: int
    undeliverable: list[UndeliverableItem]
    cursor: CursorState
    outbox: OutboxBacklog
    token: TokenState


def require_ops_admin(session: Session, viewer: Viewer) -> Staff:
    """The live admin behind `viewer`, else Forbidden (the ops page is company-wide)."""
    staff = session.get(Staff, viewer.staff_id) if viewer.staff_id else None
    if staff is None or staff.deleted or staff.role != "admin":
        raise Forbidden("the operations page is for admins", code="admin_only")
    return staff


def _age(now: datetime, moment: datetime | None) -> int | None:
    return None if moment is None else int((now - moment).total_seconds())


def _count(session: Session, model: type[object], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _dead_letters(session: Session) -> tuple[int, list[DeadLetterItem]]:
    # Pending as storage.ehr_log.list_dead_letters has it; the raw event stays out (it may
    # carry a candidate's mobile or ID number).
    pending = or_(DeadLetter.replayed_at.is_(None), DeadLetter.replay_result != "accepted")
    items = [
        DeadLetterItem(d.id, d.event_id, d.source, d.reason, d.received_at, d.replay_result)
        for d in ehr_admin.list_dead_letter_views(session, limit=LIST_LIMIT)
    ]
    return _count(session, DeadLetter, pending), items


def _held(session: Session, now: datetime, max_age: float) -> tuple[int, list[HeldItem]]:
    rows = list_overdue_held_events(session, now=now, older_than_seconds=0)[:LIST_LIMIT]
    items = [
        HeldItem(
            h.event_id,
            h.entity_kind,
            h.entity_id,
            h.waiting_for,
            h.received_at,
            (now - h.received_at).total_seconds() > max_age,
        )
        for h in rows
    ]
    return _count(session, EhrEvent, IS_HELD), items


def _undeliverable(session: Session) -> tuple[int, list[UndeliverableItem]]:
    problem = Delivery.state.in_(PROBLEM_DELIVERY_STATES)
    stmt = select(Delivery).where(problem).order_by(Delivery.id.desc()).limit(LIST_LIMIT)
    items = [
        UndeliverableItem(
            d.id,
            d.purpose,
            d.state,
            d.channel,
            d.recipient_kind,
            d.recipient_id,
            d.last_error,
            d.attempts,
            d.outbox_id,
            d.updated_at,
        )
        for d in session.scalars(stmt)
    ]
    return _count(session, Delivery, problem), items


def _cursor(session: Session, now: datetime, interval: int) -> CursorState:
    row = get_cursor(session, FEED_CURSOR)
    if row is None:
        return CursorState(FEED_CURSOR, None, None, None, True)
    age = _age(now, row.updated_at)
    stale = age is None or age > CURSOR_STALE_INTERVALS * interval
    return CursorState(FEED_CURSOR, row.updated_at, age, row.last_run_status, stale)


def _outbox(session: Session, kinds: Collection[str], now: datetime) -> OutboxBacklog:
    waiting = (OutboxEvent.state.in_(WAITING_OUTBOX_STATES), OutboxEvent.kind.in_(sorted(kinds)))
    total = _count(session, OutboxEvent, *waiting)
    oldest = session.execute(
        select(OutboxEvent.id, OutboxEvent.created_at)
        .where(*waiting)
        .order_by(OutboxEvent.created_at, OutboxEvent.id)
        .limit(1)
    ).first()
    if oldest is None:
        return OutboxBacklog(total, None, None, None, False)
    age = _age(now, oldest.created_at)
    stale = age is not None and age > OUTBOX_STALE_SECONDS
    return OutboxBacklog(total, oldest.id, oldest.created_at, age, stale)


def _attention(
    queues: list[QueueState], totals: tuple[int, int, int], c: CursorState, o: OutboxBacklog
) -> list[str]:
    lines = [f"queue {q.name}: {q.failed} failed jobs (requeue)" for q in queues if q.failed]
    letters, held, undeliverable = totals
    if letters:
        lines.append(f"{letters} dead letters (replay)")
    if held:
        lines.append(f"{held} held events (retry)")
    if undeliverable:
        lines.append(f"{undeliverable} undeliverable notifications")
    if c.stale:
        lines.append(
            "the pull has never stored a cursor"
            if c.age_seconds is None
            else f"the pull's cursor is {c.age_seconds} s old"
        )
    if o.stale:
        lines.append(f"outbox: {o.waiting} waiting, oldest {o.oldest_age_seconds} s old")
    return lines


def gather_status(
    session: Session, probe: OpsProbe, *, settings: Settings, now: datetime
) -> OpsStatus:
    """Everything that needs attention now (read only; lists keep LIST_LIMIT rows each)."""
    try:
        letters_total, letters = _dead_letters(session)
        held_total, held = _held(session, now, settings.EHR_HELD_MAX_AGE_SECONDS)
        undeliverable_total, undeliverable = _undeliverable(session)
        cursor = _cursor(session, now, settings.EHR_PULL_INTERVAL_SECONDS)
        outbox = _outbox(session, probe.outbox_kinds(), now)
    finally:
        session.rollback()  # a read: end the transaction the queries opened
    queues = probe.queues()
    return OpsStatus(
        generated_at=now,
        attention=_attention(
            queues, (letters_total, held_total, undeliverable_total), cursor, outbox
        ),
        queues=queues,
        dead_letters_total=letters_total,
        dead_letters=letters,
        held_total=held_total,
        held=held,
        undeliverable_total=undeliverable_total,
        undeliverable=undeliverable,
        cursor=cursor,
        outbox=outbox,
        token=probe.token(),
    )


@dataclass(frozen=True)
class ReplayResult:
    id: int
    result: str  # accepted, duplicate, or "rejected: <reason>"


def replay_letters(
    session: Session, ids: Sequence[int] | None, *, now: datetime
) -> list[ReplayResult]:
    """Run dead letters through ingestion again (all pending when `ids` is None)."""
    results = ehr_admin.replay_dead_letters(session, None if ids is None else list(ids), now=now)
    return [ReplayResult(letter_id, result) for letter_id, result in results]


@dataclass(frozen=True)
class HeldRetry:
    released: int
    applied: int
    still_held: int


def retry_held(session: Session, *, now: datetime) -> HeldRetry:
    """Re-apply held events whose parent has arrived (as `ehr held --retry`)."""
    counts = retry_held_events(session, now=now)
    try:
        still = _count(session, EhrEvent, IS_HELD)
    finally:
        session.rollback()
    return HeldRetry(int(counts["released"]), int(counts["applied"]), still)


def requeue_failed_jobs(
    probe: OpsProbe, queue_name: str, job_ids: Sequence[str] | None
) -> list[str]:
    """Put failed jobs of one queue back on it (all when `job_ids` is None)."""
    return probe.requeue_failed(queue_name, None if job_ids is None else list(job_ids))
