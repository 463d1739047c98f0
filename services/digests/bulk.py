"""Decisions on many applications at once: each recorded like a single one.

Every application gets its own idempotency key (`bulk:{bulk_id}:{application_id}`), its own
unit of work with the application row locked (as a card click locks it), and its own outbox
row, so its EHR write-back and card updates are exactly those of a single decision. An
application someone decided since its latest score was published is left alone and reported
with who decided what; a refusal (a requirement pending, the application closed) is reported
with its reason. Nothing is decided twice: running a bulk again finds each decision by its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import STAFF, Viewer, require_staff
from services.decisions.decide import DECISIONS, record_decision
from services.errors import Conflict, InvalidInput, NotFound
from storage.action_models import Decision
from storage.attention_models import BulkDecision
from storage.db import unit_of_work
from storage.models import Application, Staff
from storage.scores import latest_application_scores
from storage.vocabulary import AWAITING_DECISION_STAGES

MAX_BULK = 500


@dataclass
class BulkOutcome:
    decided: list[str] = field(default_factory=list)
    # {"application_id", "by", "decision"}: someone else decided first
    already: list[dict[str, str]] = field(default_factory=list)
    # {"application_id", "reason"}: refused, with the reason a person can act on
    failed: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"decided": self.decided, "already": self.already, "failed": self.failed}


def _decided_since_score(session: Session, application: Application) -> Decision | None:
    """The latest decision made since the application's latest visible score was published."""
    latest = latest_application_scores(Application.id == application.id)
    published = session.scalar(select(latest.c.published_at))
    query = select(Decision).where(Decision.application_id == application.id)
    if published is not None:
        query = query.where(Decision.created_at >= published)
    return session.scalars(query.order_by(Decision.sequence.desc()).limit(1)).first()


def _who(session: Session, decision: Decision) -> str:
    staff = session.get(Staff, decision.actor_staff_id) if decision.actor_staff_id else None
    return staff.name if staff is not None else decision.source


def _decide_one(
    session: Session,
    actor: Viewer,
    application_id: str,
    decision: str,
    *,
    key: str,
    source: str,
    now: datetime,
    outcome: BulkOutcome,
) -> None:
    with unit_of_work(session):
        application = session.scalars(
            select(Application).where(Application.id == application_id).with_for_update()
        ).first()
        if application is None or application.deleted:
            outcome.failed.append({"application_id": application_id, "reason": "not_found"})
            return
        earlier = _decided_since_score(session, application)
        if earlier is not None and earlier.idempotency_key == key:
            outcome.decided.append(application_id)  # this bulk ran before: already done
            return
        if earlier is not None:
            by = _who(session, earlier)
            outcome.already.append(
                {"application_id": application_id, "by": by, "decision": earlier.decision}
            )
            return
        if application.stage not in AWAITING_DECISION_STAGES:
            outcome.already.append(
                {"application_id": application_id, "by": "EHR", "decision": application.stage}
            )
            return
    try:
        record_decision(
            session,
            application_id=application_id,
            decision=decision,
            actor=actor,
            reason=None,
            source=source,
            idempotency_key=key,
            now=now,
        )
    except NotFound:
        outcome.failed.append({"application_id": application_id, "reason": "not_found"})
        return
    except Conflict as exc:
        if exc.code == "already_decided":
            outcome.already.append({"application_id": application_id, "by": "", "decision": ""})
        else:
            outcome.failed.append({"application_id": application_id, "reason": exc.code})
        return
    outcome.decided.append(application_id)


def decide_many(
    session: Session,
    actor: Viewer,
    application_ids: list[str],
    decision: str,
    *,
    key_prefix: str,
    source: str,
    now: datetime,
) -> BulkOutcome:
    """Record `decision` on each application the actor may see, one unit of work each."""
    require_staff(actor)
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}")
    if not application_ids or len(application_ids) > MAX_BULK:
        raise InvalidInput(f"give between 1 and {MAX_BULK} applications")
    outcome = BulkOutcome()
    for application_id in dict.fromkeys(application_ids):  # once each, in the order given
        key = f"{key_prefix}:{application_id}:{decision}"
        _decide_one(
            session,
            actor,
            application_id,
            decision,
            key=key,
            source=source,
            now=now,
            outcome=outcome,
        )
    return outcome


def run_bulk(session: Session, bulk_id: int, *, now: datetime) -> BulkDecision | None:
    """Carry out a requested bulk decision (the job of OUTBOX_BULK_DECISION_REQUESTED)."""
    bulk = session.get(BulkDecision, bulk_id)
    if bulk is None:
        return None
    staff = session.get(Staff, bulk.actor_staff_id)
    session.rollback()
    if staff is None or staff.deleted:
        outcome = BulkOutcome(failed=[{"application_id": "*", "reason": "actor_gone"}])
    else:
        actor = Viewer(
            dingtalk_user_id=staff.dingtalk_user_id or "",
            staff_id=staff.id,
            staff_role=staff.role,
            roles=(STAFF,),
        )
        outcome = decide_many(
            session,
            actor,
            list(bulk.application_ids),
            bulk.decision,
            key_prefix=f"bulk-{bulk.id}",
            source=bulk.source,
            now=now,
        )
    with unit_of_work(session):
        row = session.get(BulkDecision, bulk_id)
        assert row is not None
        row.state = "done"
        row.result = outcome.as_dict()
        row.finished_at = now
        return row
