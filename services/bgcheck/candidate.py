"""The check's start and the candidate's side: the check starts when the offer is accepted
(awaiting consent, with the candidate's card); the candidate reads it and consents with the
ID-card number and previous employers; and may explain an item HR asked about.

Each public function is one unit of work. Another candidate's check is NotFound (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, require_candidate
from services.bgcheck import pii
from services.bgcheck import state as st
from services.errors import Conflict, InvalidInput, NotFound
from storage.bgcheck_models import BackgroundCheck
from storage.db import unit_of_work
from storage.models import Application
from storage.vocabulary import OUTBOX_BGCHECK_CONSENT_REQUESTED, OUTBOX_BGCHECK_CONSENTED

MAX_EXPLANATION = 2000


def start_check(
    session: Session, application_id: str, *, vendor: str, now: datetime
) -> BackgroundCheck | None:
    """Start the application's check (once): it waits for the candidate's consent."""
    with unit_of_work(session):
        check = st.check_of_application(session, application_id)
        if check is not None:
            return check
        application = session.get(Application, application_id)
        if application is None:
            return None
        check = BackgroundCheck(
            id=st.new_id(),
            application_id=application.id,
            candidate_id=application.candidate_id,
            position_id=application.position_id,
            vendor=vendor,
            status="awaiting_consent",
            items=[{"key": k, "label": lbl, "result": "pending"} for k, lbl in st.ITEMS],
            previous_employers=[],
            created_at=now,
            updated_at=now,
        )
        session.add(check)
        session.flush()
        st.outbox(session, check, OUTBOX_BGCHECK_CONSENT_REQUESTED, f"bgcheck:{check.id}:ask", now)
        return check


def _mine(session: Session, viewer: Viewer, *, lock: bool) -> BackgroundCheck:
    candidate_id = require_candidate(viewer)
    query = (
        select(BackgroundCheck)
        .where(BackgroundCheck.candidate_id == candidate_id)
        .order_by(BackgroundCheck.created_at.desc(), BackgroundCheck.id)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    check = session.scalars(query).first()
    if check is None:
        raise NotFound("no background check")
    return check


def my_check(session: Session, viewer: Viewer) -> BackgroundCheck:
    """The viewer's latest check."""
    with unit_of_work(session):
        return _mine(session, viewer, lock=False)


@dataclass(frozen=True)
class Consent:
    consent_sha256: str
    id_number: str
    previous_employers: list[dict[str, Any]]
    client_address: str | None


def _employers(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(raw) > st.MAX_EMPLOYERS:
        raise InvalidInput(f"at most {st.MAX_EMPLOYERS} previous employers", code="too_many")
    out = []
    for row in raw:
        name = str(row.get("name") or "").strip()[:200]
        if not name:
            raise InvalidInput("each previous employer needs a name", code="bad_employer")
        out.append(
            {
                "name": name,
                "from": str(row.get("from") or "")[:10] or None,
                "to": str(row.get("to") or "")[:10] or None,
            }
        )
    return out


def give_consent(
    session: Session, viewer: Viewer, consent: Consent, *, pii_key: str, now: datetime
) -> BackgroundCheck:
    """Record the consent (time, address, SHA-256 of the text) and ask the vendor for the check;
    the ID-card number is kept only encrypted."""
    id_number = pii.normalize_id_number(consent.id_number)
    employers = _employers(consent.previous_employers)
    with unit_of_work(session):
        check = _mine(session, viewer, lock=True)
        if check.status != "awaiting_consent":
            raise Conflict(f"the check is already {check.status}", code="already_consented")
        if consent.consent_sha256 != st.CONSENT_SHA256:
            raise Conflict("the consent text changed since it was shown", code="consent_changed")
        check.consent_at = now
        check.consent_address = (consent.client_address or "")[:64] or None
        check.consent_text_sha256 = st.CONSENT_SHA256
        check.id_number_encrypted = pii.encrypt(pii_key, id_number)
        check.previous_employers = employers
        check.status, check.updated_at = "requested", now
        st.outbox(session, check, OUTBOX_BGCHECK_CONSENTED, f"bgcheck:{check.id}:consented", now)
        return check


def explain(session: Session, viewer: Viewer, text: str, *, now: datetime) -> BackgroundCheck:
    """The candidate's explanation of the items HR asked about."""
    body = (text or "").strip()[:MAX_EXPLANATION]
    if not body:
        raise InvalidInput("the explanation is empty", code="empty")
    with unit_of_work(session):
        check = _mine(session, viewer, lock=True)
        if check.explanation_requested_at is None or check.decision is not None:
            raise Conflict("no explanation is asked for", code="not_asked")
        check.explanation, check.updated_at = body, now
        return check
