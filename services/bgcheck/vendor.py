"""What the vendor's side changes, database-only: jobs/bgcheck.py makes the vendor calls
between these functions.

A webhook only says "look again" (an outbox row keyed by the vendor's event id, so a replay is
refused); the job reads the report from the vendor and `apply_report` settles it. Every item
clear: the check passes by itself. Any item to consider: HR owners decide; the backend never
fails a candidate by itself. The check ending (completed or cancelled) erases the ID number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.bgcheck import pii
from services.bgcheck import state as st
from services.errors import Conflict, NotFound
from services.onboarding.notice import plan_in
from storage.bgcheck_models import BackgroundCheck
from storage.db import unit_of_work
from storage.models import Candidate
from storage.vocabulary import (
    OUTBOX_BGCHECK_PROGRESSED,
    OUTBOX_BGCHECK_REVIEW_REQUESTED,
    OUTBOX_BGCHECK_VENDOR_UPDATED,
)

POLL_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class CreationRequest:
    check_id: str
    custom_id: str
    name: str
    id_number: str
    previous_employers: list[dict[str, Any]]
    package: str


def creation_request(session: Session, check_id: str, *, pii_key: str) -> CreationRequest | None:
    """What the vendor needs to start the check, or None when it is not (or no longer) due."""
    with unit_of_work(session):
        check = session.get(BackgroundCheck, check_id)
        if check is None or check.status != "requested" or check.vendor_reference:
            return None
        if check.id_number_encrypted is None:
            return None
        candidate = session.get(Candidate, check.candidate_id)
        return CreationRequest(
            check_id=check.id,
            custom_id=check.candidate_id,
            name=candidate.name if candidate is not None else check.candidate_id,
            id_number=pii.decrypt(pii_key, check.id_number_encrypted),
            previous_employers=list(check.previous_employers or []),
            package=check.package,
        )


def _progressed(session: Session, check: BackgroundCheck, now: datetime) -> None:
    step = st.step_of(check)
    key = f"bgcheck:{check.id}:{step['status']}:{step['result']}:{step['decision']}"
    st.outbox(session, check, OUTBOX_BGCHECK_PROGRESSED, key, now, step=step)


def record_created(
    session: Session,
    check_id: str,
    *,
    vendor_candidate_id: str,
    reference: str,
    items: list[dict[str, str]],
    now: datetime,
) -> None:
    """The vendor has the check: in progress, its items as the vendor's package names them."""
    with unit_of_work(session):
        check = st.lock_check(session, check_id)
        if check is None or check.status != "requested":
            return
        check.vendor_candidate_id, check.vendor_reference = vendor_candidate_id, reference
        check.items = items or check.items
        check.status, check.updated_at = "in_progress", now
        _progressed(session, check, now)


def note_webhook(session: Session, reference: str, event_id: str, *, now: datetime) -> str:
    """A verified webhook about `reference`: the job reads the report again (once per event)."""
    with unit_of_work(session):
        check = session.scalars(
            select(BackgroundCheck).where(BackgroundCheck.vendor_reference == reference[:64])
        ).first()
        if check is None:
            raise NotFound("no check with this reference", code="unknown_report")
        key = f"bgcheck-webhook:{event_id[:120]}"
        if not st.outbox(session, check, OUTBOX_BGCHECK_VENDOR_UPDATED, key, now):
            raise Conflict("this webhook was already received", code="replayed")
        return check.id


def apply_report(
    session: Session,
    check_id: str,
    *,
    status: str,
    items: list[dict[str, str]],
    now: datetime,
) -> BackgroundCheck | None:
    """Settle the check from the vendor's report (`complete` or `canceled`; pending: nothing)."""
    with unit_of_work(session):
        check = st.lock_check(session, check_id)
        if check is None or check.status != "in_progress" or status == "pending":
            return check
        if status == "canceled":
            check.status = "cancelled"
        else:
            check.items = items
            consider = any(i.get("result") != "clear" for i in items)
            check.status, check.result = "completed", "consider" if consider else "clear"
            check.completed_at = now
            if not consider:
                check.decision, check.decided_by, check.decided_at = "pass", "system", now
                plan_in(session, check.application_id, now)
        check.updated_at = now
        st.erase_pii(check)
        _progressed(session, check, now)
        if check.result == "consider":
            key = f"bgcheck:{check.id}:review"
            st.outbox(session, check, OUTBOX_BGCHECK_REVIEW_REQUESTED, key, now)
        return check


def due_for_poll(session: Session, *, now: datetime) -> list[str]:
    """Checks the vendor has had a while without news: the sweep reads their reports."""
    with unit_of_work(session):
        return list(
            session.scalars(
                select(BackgroundCheck.id).where(
                    BackgroundCheck.status == "in_progress",
                    BackgroundCheck.updated_at < now - POLL_AFTER,
                )
            )
        )


def reference_of(session: Session, check_id: str) -> str | None:
    with unit_of_work(session):
        check = session.get(BackgroundCheck, check_id)
        return check.vendor_reference if check is not None else None


def cancel_for_application(session: Session, application_id: str, *, now: datetime) -> str | None:
    """The application stopped (rejected, withdrawn) with its check open: the check is
    cancelled and the ID number erased. Return the vendor's report to cancel there, if any."""
    with unit_of_work(session):
        check = st.check_of_application(session, application_id, lock=True)
        if check is None or check.status not in st.OPEN_STATUSES:
            return None
        reference = check.vendor_reference
        check.status, check.updated_at = "cancelled", now
        st.erase_pii(check)
        if reference:  # the EHR heard of it (in progress): it hears of the cancellation too
            _progressed(session, check, now)
        return reference
