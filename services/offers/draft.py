"""The draft: when an application is in stage `offer` and its latest visible score qualifies,
the backend drafts the offer once, and the HR owners get a card with the numbers and reasons.

Called by the job of an `application.stage_changed` row (the EHR moved it) and after HR's
Advance was written back (jobs/offers.py); both may come many times for one application: the
offer's unique application id makes it one draft, and the drafted card's dedupe key one card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.decisions.policy import EffectivePolicy, PolicyConfig, get_effective_policy
from services.offers import state as st
from services.offers.salary import propose_salary
from storage.db import unit_of_work
from storage.models import Application, Position
from storage.offer_models import Offer
from storage.scores import latest_application_score
from storage.vocabulary import OUTBOX_OFFER_DRAFTED

log = logging.getLogger(__name__)
OFFER_STAGE = "offer"


@dataclass(frozen=True)
class DraftResult:
    action: str  # drafted | exists | not_offer_stage | no_score | not_qualifying
    offer_id: str | None = None
    reason: str = ""


def _latest_overall(session: Session, application_id: str) -> tuple[str, float] | None:
    row = session.execute(latest_application_score(literal(application_id))).first()
    return (str(row.score_id), float(row.overall)) if row is not None else None


def _new_offer(
    application: Application,
    position: Position,
    policy: EffectivePolicy,
    score: tuple[str, float],
    now: datetime,
) -> Offer | None:
    rules = policy.config.offer
    band = st.band_of(position)
    proposal = propose_salary(band, score[1], rules)
    if not proposal.qualifies:
        return None
    return Offer(
        id=st.new_offer_id(),
        application_id=application.id,
        candidate_id=application.candidate_id,
        position_id=position.id,
        status="draft",
        salary_amount=proposal.amount,
        salary_currency=band.currency if band else "CNY",
        salary_period=band.period if band else "month",
        salary_reason=proposal.reason,
        basis={
            **proposal.basis,
            "score_id": score[0],
            "policy": {"scope": policy.scope, "version": policy.version},
            "approval_outside_band": rules.approval_outside_band,
            # The terms as drafted, and which of them HR may not change without approval.
            "drafted": {
                "salary": proposal.amount,
                "benefits": st.parse_benefits((position.extra or {}).get("benefits")),
                "validity_days": rules.validity_days,
            },
            "approval_on_change": list(rules.approval_on_change),
        },
        benefits=st.parse_benefits((position.extra or {}).get("benefits")),
        validity_days=rules.validity_days,
        terms_version=0,
        created_at=now,
        updated_at=now,
    )


def draft_offer(
    session: Session, application_id: str, *, now: datetime, defaults: PolicyConfig
) -> DraftResult:
    """Draft the application's offer if it is due; one unit of work, once per application."""
    try:
        with unit_of_work(session):
            return _draft(session, application_id, now=now, defaults=defaults)
    except IntegrityError:  # a concurrent delivery drafted it first
        with unit_of_work(session):
            offer = st.offer_of_application(session, application_id)
            return DraftResult("exists", offer.id if offer else None)


def draft_missing(
    session: Session, *, now: datetime, defaults: PolicyConfig, days: int = 7, limit: int = 100
) -> list[DraftResult]:
    """The clock's catch-up: applications that entered `offer` within `days` and have no offer
    (a stage change the draft job never saw, e.g. an application first seen in `offer`)."""
    with unit_of_work(session):
        ids = session.scalars(
            select(Application.id)
            .where(
                Application.stage == OFFER_STAGE,
                Application.deleted.is_(False),
                Application.stage_changed_at > now - timedelta(days=days),
                ~select(Offer.id).where(Offer.application_id == Application.id).exists(),
            )
            .order_by(Application.id)
            .limit(limit)
        ).all()
    results = [draft_offer(session, i, now=now, defaults=defaults) for i in ids]
    return [r for r in results if r.action == "drafted"]


def _draft(
    session: Session, application_id: str, *, now: datetime, defaults: PolicyConfig
) -> DraftResult:
    application = session.scalars(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if application is None or application.deleted or application.stage != OFFER_STAGE:
        return DraftResult("not_offer_stage")
    existing = st.offer_of_application(session, application_id)
    if existing is not None:
        return DraftResult("exists", existing.id)
    position = session.get(Position, application.position_id)
    score = _latest_overall(session, application_id)
    if position is None or score is None:
        return DraftResult("no_score")
    policy = get_effective_policy(session, position.id, defaults=defaults)
    offer = _new_offer(application, position, policy, score, now)
    if offer is None:
        return DraftResult(
            "not_qualifying", reason=f"below {policy.config.offer.qualifying_score:g}"
        )
    session.add(offer)
    session.flush()
    st.record(session, offer, "drafted", actor="system", now=now, note=offer.salary_reason)
    st.outbox(session, offer, OUTBOX_OFFER_DRAFTED, f"offer.drafted:{application_id}", now)
    log.info("offer drafted", extra={"ctx": {"application_id": application_id}})
    return DraftResult("drafted", offer.id)
