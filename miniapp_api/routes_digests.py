"""HR's bulk decisions from the H5 ranking (issue 22): the same service as the digest card's
"Advance the N suggested", for a selection. Registered in miniapp_api/__init__.py."""

from __future__ import annotations

from typing import Literal

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select

from miniapp_api import context as c
from miniapp_api.schemas import Model
from miniapp_api.spec import endpoint
from services.access.visibility import get_position_for_viewer
from services.digests.bulk import MAX_BULK, BulkOutcome, decide_many
from storage.models import Application
from web_context import db_session

bp = Blueprint("digests", __name__)


class BulkDecisionIn(Model):
    application_ids: list[str] = Field(min_length=1, max_length=MAX_BULK)
    decision: Literal["advance", "reject", "hold"]
    idempotency_key: str = Field(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")


class AlreadyDecided(Model):
    application_id: str
    by: str = Field(description="who decided first (a name, or EHR when the EHR moved it)")
    decision: str


class Failed(Model):
    application_id: str
    reason: str = Field(description="not_found, requirement_pending, application_closed, ...")


class BulkDecisionOut(Model):
    decided: list[str]
    already: list[AlreadyDecided]
    failed: list[Failed]


@endpoint(
    bp,
    "POST",
    "/hr/positions/{position_id}/decisions/bulk",
    summary="Decide many applications of a position at once; each is recorded, race-safe and "
    "written back like a single decision (idempotent by key per application)",
    response=BulkDecisionOut,
    body=BulkDecisionIn,
)
def bulk_decisions(position_id: str, body: BulkDecisionIn) -> BulkDecisionOut:
    session, viewer = db_session(), c.viewer()
    position = get_position_for_viewer(session, viewer, position_id)  # 404 outside scope
    ids = list(dict.fromkeys(body.application_ids))
    # Only this position's applications: another position's id is "not_found", as elsewhere.
    ours = set(
        session.scalars(
            select(Application.id).where(
                Application.id.in_(ids), Application.position_id == position.id
            )
        )
    )
    session.rollback()
    mine = [i for i in ids if i in ours]
    outcome = (
        decide_many(
            session,
            viewer,
            mine,
            body.decision,
            key_prefix=f"api-bulk:{viewer.staff_id}:{body.idempotency_key}",
            source="api",
            now=c.now(),
        )
        if mine
        else BulkOutcome()
    )
    missing = [{"application_id": i, "reason": "not_found"} for i in ids if i not in ours]
    return BulkDecisionOut.model_validate({**outcome.as_dict(), "failed": outcome.failed + missing})
