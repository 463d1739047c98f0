"""HR decisions on an application, from the mini-app or a card: one unit of work each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer, require_staff
from services.errors import Conflict, InvalidInput
from storage import vocabulary
from storage.action_models import Decision
from storage.db import unit_of_work
from storage.models import Application, Staff
from storage.sync_models import OutboxEvent

DECISIONS = ("advance", "reject", "hold", "withdraw")
DECISION_SOURCES = ("card", "api", "policy")
# The words are storage.vocabulary's; the names stay here for their importers.
ADVANCE = vocabulary.NEXT_STAGE
CLOSED = vocabulary.CLOSED_STAGES
OUTBOX_DECISION_RECORDED = vocabulary.OUTBOX_DECISION_RECORDED


def blocking_requirements(application: Application | None) -> list[str]:
    """Return the labels of the application's requirements that block Advance, in order."""
    requirements = application.requirements if application is not None else []
    return [r.label for r in requirements if r.status in vocabulary.BLOCKING_REQUIREMENT_STATUSES]


def _next_stage(application: Application, decision: str) -> str:
    if application.stage in CLOSED:
        raise Conflict(
            f"application {application.id} is already {application.stage}",
            code="application_closed",
        )
    if decision == "advance":
        pending = blocking_requirements(application)
        if pending:
            raise Conflict(
                "cannot advance while requirements are pending: " + ", ".join(pending),
                code="requirement_pending",
            )
        return ADVANCE[application.stage]
    return {"reject": "rejected", "withdraw": "withdrawn"}.get(decision, application.stage)


def _existing(session: Session, application_id: str, idempotency_key: str) -> Decision | None:
    found = session.scalars(
        select(Decision).where(Decision.idempotency_key == idempotency_key)
    ).first()
    if found is not None and found.application_id != application_id:
        raise Conflict("idempotency key already used for another application", code="key_reused")
    return found


def insert_decision(
    session: Session,
    application: Application,
    decision: str,
    actor: Viewer,
    *,
    reason: str | None,
    source: str,
    idempotency_key: str,
    now: datetime,
    explanation: dict[str, Any] | None = None,
    overrides_decision_id: int | None = None,
) -> Decision:
    """Add a decision, its stage change and its outbox row inside the caller's unit of work.

    The step shared by HR decisions and policy decisions; the caller has authorized the actor
    (or, for a policy, acts as the system). Raises IntegrityError when another decision took
    the same sequence number meanwhile.
    """
    new_stage = _next_stage(application, decision)
    latest = select(func.max(Decision.sequence)).where(Decision.application_id == application.id)
    sequence = (session.scalar(latest) or 0) + 1
    row = Decision(
        application_id=application.id,
        sequence=sequence,
        decision=decision,
        actor_staff_id=actor.staff_id,
        source=source,
        reason=reason,
        explanation=explanation or {},
        overrides_decision_id=overrides_decision_id,
        idempotency_key=idempotency_key,
        created_at=now,
    )
    session.add(row)
    session.flush()
    if new_stage != application.stage:
        application.stage = new_stage
        application.stage_changed_at = now
    session.add(
        OutboxEvent(
            kind=OUTBOX_DECISION_RECORDED,
            entity_kind="application",
            entity_id=application.id,
            entity_version=application.version,
            dedupe_key=f"decision:{row.id}",
            created_at=now,
            payload={
                "decision_id": row.id,
                "application_id": application.id,
                "decision": decision,
                "actor_staff_id": actor.staff_id,
                "idempotency_key": idempotency_key,
            },
        )
    )
    return row


def record_decision(
    session: Session,
    *,
    application_id: str,
    decision: str,
    actor: Viewer,
    reason: str | None,
    source: str,
    idempotency_key: str,
    now: datetime,
) -> Decision:
    """Record an HR decision, apply it to the cached stage and queue its EHR write-back."""
    require_staff(actor)
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}")
    try:
        with unit_of_work(session):
            application = get_application_for_viewer(session, actor, application_id)
            existing = _existing(session, application.id, idempotency_key)
            if existing is not None:
                return existing
            return insert_decision(
                session,
                application,
                decision,
                actor,
                reason=reason,
                source=source,
                idempotency_key=idempotency_key,
                now=now,
            )
    except IntegrityError:
        # Lost a race: either the same key (return the winner's row) or another decision
        # took this sequence number (tell the caller who decided what).
        with unit_of_work(session):
            same = _existing(session, application_id, idempotency_key)
            if same is not None:
                return same
            raise _lost_race(session, application_id) from None


def _lost_race(session: Session, application_id: str) -> Conflict:
    winner = session.scalars(
        select(Decision)
        .where(Decision.application_id == application_id)
        .order_by(Decision.sequence.desc())
    ).first()
    if winner is None:
        return Conflict("the application changed meanwhile; try again", code="decision_conflict")
    actor = session.get(Staff, winner.actor_staff_id) if winner.actor_staff_id else None
    who = actor.name if actor else (winner.actor_staff_id or winner.source)
    return Conflict(
        f"{who} already decided '{winner.decision}' on this application", code="already_decided"
    )
