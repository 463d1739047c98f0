"""No-show alerts per position and batch: once per crossing of the threshold, re-armed on recovery.

Once at least `min_invitations` invitations of a (position, batch) are past their deadline, a
no-show rate strictly above the threshold alerts the department's recruiting managers and the HR
owners (an `alert.no_show_rate` outbox row; the cards are planned in services/clock/cards.py).
The alert then disarms; it re-arms only when the rate falls back to the threshold or below, so a
batch alerts again only if it recovers and crosses again. The batches looked at are those with a
deadline passed within the look-back window (the (status, deadline_at) index) and those waiting
to re-arm.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import Settings
from storage.action_models import NoShowAlertState
from storage.db import unit_of_work
from storage.models import Application, Interview
from storage.sync_models import OutboxEvent
from storage.vocabulary import INVITED_STATUSES, NOT_ATTENDED_STATUSES, OUTBOX_NO_SHOW_ALERT

log = logging.getLogger(__name__)

MAX_IDS_IN_PAYLOAD = 200
NO_BATCH = ""  # applications without a batch label form one batch per position


@dataclass(frozen=True)
class NoShowRules:
    min_invitations: int
    threshold: float
    lookback: timedelta


def no_show_rules_from_settings(settings: Settings) -> NoShowRules:
    """Read the alert's minimum sample, threshold and look-back once from settings."""
    return NoShowRules(
        min_invitations=settings.NO_SHOW_MIN_INVITATIONS,
        threshold=settings.NO_SHOW_RATE_THRESHOLD,
        lookback=timedelta(hours=settings.REMINDER_LOOKBACK_HOURS),
    )


@dataclass(frozen=True)
class BatchCount:
    position_id: str
    batch: str
    past_deadline: int
    no_show_ids: list[str]

    @property
    def rate(self) -> float:
        return len(self.no_show_ids) / self.past_deadline if self.past_deadline else 0.0


@dataclass(frozen=True)
class AlertAction:
    """What the sweep decided for one batch (ids and counts only)."""

    position_id: str
    batch: str
    action: str  # alerted | rearmed | unchanged
    past_deadline: int
    no_shows: int
    rate: float
    reason: str


def _batch_filter(batch: str):  # type: ignore[no-untyped-def]
    return Application.batch.is_(None) if batch == NO_BATCH else Application.batch == batch


def count_batch(session: Session, position_id: str, batch: str, *, now: datetime) -> BatchCount:
    """Invitations of the batch past their deadline, and which of them were not attended."""
    rows = session.execute(
        select(Interview.id, Interview.status)
        .join(Application, Application.id == Interview.application_id)
        .where(
            Application.position_id == position_id,
            _batch_filter(batch),
            Application.deleted.is_(False),
            Interview.deleted.is_(False),
            Interview.status.in_(INVITED_STATUSES),
            Interview.deadline_at <= now,
        )
        .order_by(Interview.deadline_at, Interview.id)
    ).all()
    no_shows = [iid for iid, status in rows if status in NOT_ATTENDED_STATUSES]
    return BatchCount(position_id, batch, len(rows), no_shows)


def _batches_to_check(
    session: Session, *, now: datetime, rules: NoShowRules
) -> set[tuple[str, str]]:
    recent = session.execute(
        select(Application.position_id, func.coalesce(Application.batch, NO_BATCH))
        .join(Interview, Interview.application_id == Application.id)
        .where(
            Interview.status.in_(INVITED_STATUSES),
            Interview.deadline_at > now - rules.lookback,
            Interview.deadline_at <= now,
        )
        .distinct()
    ).all()
    disarmed = session.execute(
        select(NoShowAlertState.position_id, NoShowAlertState.batch).where(
            NoShowAlertState.armed.is_(False)
        )
    ).all()
    return {(p, b) for p, b in recent} | {(p, b) for p, b in disarmed}


def _alert_row(count: BatchCount, rules: NoShowRules, *, now: datetime) -> OutboxEvent:
    digest = hashlib.sha256(f"{count.position_id}\n{count.batch}".encode()).hexdigest()[:16]
    return OutboxEvent(
        kind=OUTBOX_NO_SHOW_ALERT,
        entity_kind="position",
        entity_id=count.position_id,
        dedupe_key=f"{OUTBOX_NO_SHOW_ALERT}:{digest}:{int(now.timestamp())}",
        payload={
            "position_id": count.position_id,
            "batch": count.batch,
            "past_deadline": count.past_deadline,
            "no_shows": len(count.no_show_ids),
            "rate": round(count.rate, 4),
            "threshold": rules.threshold,
            "min_invitations": rules.min_invitations,
            "no_show_interview_ids": count.no_show_ids[:MAX_IDS_IN_PAYLOAD],
            "as_of": now.isoformat(),
        },
        state="pending",
        attempts=0,
    )


def _decide(
    session: Session, count: BatchCount, *, now: datetime, rules: NoShowRules
) -> AlertAction:
    state = session.get(NoShowAlertState, (count.position_id, count.batch), with_for_update=True)
    if state is None:
        state = NoShowAlertState(position_id=count.position_id, batch=count.batch, armed=True)
        session.add(state)
    enough = count.past_deadline >= rules.min_invitations
    above = count.rate > rules.threshold
    figures = f"{len(count.no_show_ids)}/{count.past_deadline} = {count.rate:.1%}"
    if enough and above and state.armed:
        state.armed, state.last_alert_at = False, now
        session.add(_alert_row(count, rules, now=now))
        action, reason = "alerted", f"no-show rate {figures} > {rules.threshold:.0%}"
    elif not above and not state.armed:
        state.armed = True
        action, reason = "rearmed", f"recovered: {figures} <= {rules.threshold:.0%}"
    else:
        action = "unchanged"
        reason = (
            f"only {count.past_deadline} past deadline (< {rules.min_invitations})"
            if not enough
            else f"{figures}, {'already alerted' if not state.armed else 'below threshold'}"
        )
    state.last_rate = count.rate
    session.flush()
    return AlertAction(
        count.position_id,
        count.batch,
        action,
        count.past_deadline,
        len(count.no_show_ids),
        count.rate,
        reason,
    )


def sweep_no_show_alerts(
    session: Session, *, now: datetime, rules: NoShowRules
) -> list[AlertAction]:
    """Alert on every batch whose no-show rate crossed the threshold; one unit of work."""
    actions: list[AlertAction] = []
    with unit_of_work(session):
        for position_id, batch in sorted(_batches_to_check(session, now=now, rules=rules)):
            count = count_batch(session, position_id, batch, now=now)
            try:
                with session.begin_nested():
                    actions.append(_decide(session, count, now=now, rules=rules))
            except IntegrityError:  # a concurrent sweep created this batch's state first
                log.info("no-show state raced", extra={"ctx": {"position": position_id}})
    for action in actions:
        if action.action != "unchanged":
            log.info(
                "no-show alert %s",
                action.action,
                extra={"ctx": {"position": action.position_id, "no_shows": action.no_shows}},
            )
    return actions
